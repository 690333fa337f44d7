package dev.tally.test;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UsageEventAssertTest {
  private final UsageEvent chat =
      UsageEvent.builder("chat")
          .id("evt-1")
          .subject("alice")
          .sessionId("s-1")
          .model("gpt-4o")
          .provider("openai")
          .tokens(
              TokenUsage.builder(UsageSource.REPORTED)
                  .input(10)
                  .cachedInput(4)
                  .cacheWrite(2)
                  .output(20)
                  .reasoning(6)
                  .build())
          .duration(Duration.ofMillis(120))
          .attribute("route", "/v1/chat")
          .content(ContentSummary.lengths(11, 22))
          .build();

  private final UsageEvent failed =
      UsageEvent.builder("chat")
          .id("evt-2")
          .failure(new UncheckedIOException("read timed out", new java.io.IOException("x")))
          .build();

  @Test
  void passesWhenEveryFieldMatches() {
    assertThat(chat)
        .hasId("evt-1")
        .hasOperation("chat")
        .hasSubject("alice")
        .hasSessionId("s-1")
        .hasModel("gpt-4o")
        .hasProvider("openai")
        .succeeded()
        .hasInputTokens(10)
        .hasCachedInputTokens(4)
        .hasCacheWriteTokens(2)
        .hasOutputTokens(20)
        .hasReasoningTokens(6)
        .hasTotalTokens(42)
        .hasUsageSource(UsageSource.REPORTED)
        .hasDuration(Duration.ofMillis(120))
        .hasAttribute("route", "/v1/chat")
        .doesNotHaveAttribute("tenant")
        .hasContentLengths(11, 22)
        .hasNoCapturedText()
        .hasUserEmail(null)
        .hasTenant(null);
  }

  @Test
  void failureOfAFieldSaysWhatWasExpectedAndWhatWasFound() {
    assertThatThrownBy(() -> assertThat(chat).hasOperation("search"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("evt-1")
        .hasMessageContaining("operation")
        .hasMessageContaining("\"search\"")
        .hasMessageContaining("but found")
        .hasMessageContaining("\"chat\"");
  }

  @Test
  void tokenMismatchNamesTheCategory() {
    assertThatThrownBy(() -> assertThat(chat).hasOutputTokens(21))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("tokens.output")
        .hasMessageContaining("21")
        .hasMessageContaining("20");
  }

  @Test
  void failedWithAcceptsTheRecordedTypeAndItsSupertypes() {
    assertThat(failed)
        .failedWith(UncheckedIOException.class)
        .failedWith(RuntimeException.class)
        .hasErrorMessageContaining("timed out");
  }

  @Test
  void failedWithAnUnrelatedTypeShowsTheRecordedError() {
    assertThatThrownBy(() -> assertThat(failed).failedWith(IllegalStateException.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("java.lang.IllegalStateException")
        .hasMessageContaining("java.io.UncheckedIOException: read timed out");
  }

  @Test
  void succeededOnAFailureShowsTheError() {
    assertThatThrownBy(() -> assertThat(failed).succeeded())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("evt-2")
        .hasMessageContaining("to have succeeded")
        .hasMessageContaining("read timed out");
  }

  @Test
  void failedWithOnASuccessSaysItSucceeded() {
    assertThatThrownBy(() -> assertThat(chat).failedWith(RuntimeException.class))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("to have failed but it succeeded");
  }

  @Test
  void wasCancelledPassesOnlyForACancelledEvent() {
    UsageEvent cancelled = UsageEvent.builder("chat").cancelled().build();

    assertThat(cancelled).wasCancelled();
    assertThatThrownBy(() -> assertThat(chat).wasCancelled())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("to have been cancelled but its outcome was SUCCESS");
    assertThatThrownBy(() -> assertThat(cancelled).failed())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("to have failed but it was cancelled");
  }

  @Test
  void missingAttributeIsReportedAsMissing() {
    assertThatThrownBy(() -> assertThat(chat).hasAttribute("region", "eu"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("attribute \"region\"")
        .hasMessageContaining("no such attribute")
        .hasMessageContaining("route=/v1/chat");
  }

  @Test
  void capturedTextIsShownWhenNoneWasExpected() {
    UsageEvent withText = chat.withContent(ContentSummary.of("my password is hunter2", "ok"));

    assertThatThrownBy(() -> assertThat(withText).hasNoCapturedText())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no captured text")
        .hasMessageContaining("hunter2");
  }

  @Test
  void anonymousMismatchShowsTheSubject() {
    assertThatThrownBy(() -> assertThat(chat).isAnonymous())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("\"anonymous\"")
        .hasMessageContaining("\"alice\"");
  }

  @Test
  void nullEventFailsAsAnAssertion() {
    assertThatThrownBy(() -> assertThat((UsageEvent) null).hasOperation("chat"))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void costAssertionsTellPricedFromUnpriced() {
    UsageEvent priced = chat.withCost(Cost.of(new BigDecimal("0.0042"), "USD", "v1"));

    assertThat(chat).isUnpriced();
    assertThat(priced).hasCost(Cost.of(new BigDecimal("0.0042"), "USD", "v1"));
    assertThatThrownBy(() -> assertThat(priced).isUnpriced())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("cost");
  }
}
