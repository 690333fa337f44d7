package dev.tally.test;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.ContentCapture;
import dev.tally.core.UsageOperation;
import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class RecordingUsageTrackerTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T10:00:00Z"));
  private final RecordingUsageTracker tracker = RecordingUsageTracker.create(clock);

  record Reply(String text, TokenUsage usage) {}

  @Test
  void callPassesTheResultThroughAndRecordsASuccess() {
    Reply reply = new Reply("hi there", TokenUsage.reported(12, 40));

    Reply result =
        tracker.call(
            "chat",
            UsageContext.of("alice").withModel("gpt-4o"),
            () -> {
              clock.advance(Duration.ofMillis(250));
              return reply;
            },
            Reply::usage);

    assertThat(result).isSameAs(reply);
    assertThat(tracker)
        .singleEvent()
        .hasOperation("chat")
        .hasSubject("alice")
        .hasModel("gpt-4o")
        .succeeded()
        .hasInputTokens(12)
        .hasOutputTokens(40)
        .hasUsageSource(UsageSource.REPORTED)
        .hasOccurredAt(Instant.parse("2025-06-01T10:00:00Z"))
        .hasDuration(Duration.ofMillis(250));
  }

  @Test
  void callRethrowsTheBodysExceptionUntouchedAndRecordsTheFailure() {
    IOException boom = new IOException("model unavailable");

    assertThatThrownBy(
            () ->
                tracker.call(
                    "chat",
                    UsageContext.anonymous(),
                    () -> {
                      throw boom;
                    },
                    (Reply r) -> r.usage()))
        .isSameAs(boom);
    assertThat(tracker)
        .singleEvent()
        .isAnonymous()
        .failedWith(IOException.class)
        .hasErrorMessage("model unavailable")
        .hasMissingUsage();
  }

  @Test
  void callAsyncReturnsTheSameStageAndRecordsWhenItCompletes() {
    CompletableFuture<Reply> pending = new CompletableFuture<>();

    CompletionStage<Reply> returned =
        tracker.callAsync("chat", UsageContext.of("bob"), () -> pending, Reply::usage);

    assertThat(returned).isSameAs(pending);
    assertThat(tracker).isEmpty();

    pending.complete(new Reply("ok", TokenUsage.estimated(5, 7)));

    assertThat(tracker)
        .singleEvent()
        .hasSubject("bob")
        .succeeded()
        .hasTokens(TokenUsage.estimated(5, 7));
  }

  @Test
  void callAsyncRecordsAFailedStageWithTheUnwrappedError() {
    CompletableFuture<Reply> pending = new CompletableFuture<>();
    tracker.callAsync("chat", UsageContext.anonymous(), () -> pending, Reply::usage);

    pending.completeExceptionally(new IllegalStateException("stream cut"));

    assertThat(tracker)
        .singleEvent()
        .failedWith(IllegalStateException.class)
        .hasErrorMessageContaining("cut");
  }

  @Test
  void startAndSuccessRecordsOneEventWithTheMeasuredDuration() {
    UsageOperation op = tracker.start("embed").subject("carol").sessionId("s-1");
    clock.advance(Duration.ofSeconds(2));

    boolean ended = op.success(TokenUsage.reported(100, 0));
    boolean endedAgain = op.success(TokenUsage.reported(1, 1));

    assertThat(ended).isTrue();
    assertThat(endedAgain).isFalse();
    assertThat(tracker)
        .singleEvent()
        .hasOperation("embed")
        .hasSessionId("s-1")
        .hasDuration(Duration.ofSeconds(2))
        .hasInputTokens(100);
  }

  @Test
  void appliesTheLengthsOnlyCapturePolicyLikeTheRealTracker() {
    tracker.start("chat").content(ContentSummary.of("secret question", "answer")).success();

    assertThat(tracker.last()).hasNoCapturedText().hasContentLengths(15, 6);
  }

  @Test
  void keepsTextWhenConfiguredForFullCapture() {
    RecordingUsageTracker capturing =
        RecordingUsageTracker.create(b -> b.contentCapture(ContentCapture.full(List.of())));

    capturing.start("chat").content(ContentSummary.of("q", "a")).success();

    assertThat(capturing.last()).hasCapturedText("q", "a");
  }

  @Test
  void eventsForSelectsOneOperationAndClearForgetsAll() {
    tracker.run("chat", UsageContext.anonymous(), () -> {});
    tracker.run("search", UsageContext.anonymous(), () -> {});
    tracker.run("chat", UsageContext.anonymous(), () -> {});

    assertThat(tracker.eventsFor("chat")).hasSize(2);
    assertThat(tracker.last().operation()).isEqualTo("chat");

    tracker.clear();

    assertThat(tracker).isEmpty();
  }

  @Test
  void lastFailsClearlyWhenNothingWasTracked() {
    assertThatThrownBy(tracker::last)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("none was tracked");
  }

  @Test
  void defaultsToAnEnabledTrackerOnTheSystemClock() {
    RecordingUsageTracker defaults = RecordingUsageTracker.create();

    defaults.track(defaults.event("chat").build());

    assertThat(defaults.isEnabled()).isTrue();
    assertThat(defaults).hasSize(1);
  }
}
