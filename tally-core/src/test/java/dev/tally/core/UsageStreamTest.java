package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.StreamDetails.TokenBasis;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class UsageStreamTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));
  private final RecordingDestination events = new RecordingDestination();
  private final UsageTracker tracker =
      UsageTracker.builder(events).clock(clock).traceIdSupplier(() -> "trace-1").build();
  private final UsageContext alice = UsageContext.of("alice").withSessionId("s-1").withModel("m");

  @Test
  void reportedUsageWinsAndTheEventCarriesTheStreamDetails() {
    UsageStream stream = tracker.startStream("chat", alice).prompt("What is the capital?");
    clock.advance(Duration.ofMillis(120));
    stream.delivered("Paris").delivered(" is the capital.");
    clock.advance(Duration.ofMillis(30));
    stream.usage(TokenUsage.reported(12, 6));

    assertThat(stream.complete()).isTrue();

    UsageEvent event = single();
    assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(event.tokens()).isEqualTo(TokenUsage.reported(12, 6));
    assertThat(event.subject()).isEqualTo("alice");
    assertThat(event.sessionId()).isEqualTo("s-1");
    assertThat(event.traceId()).isEqualTo("trace-1");
    assertThat(event.duration()).isEqualTo(Duration.ofMillis(150));
    assertThat(event.content().outputLength()).isEqualTo(21);
    assertThat(event.content().outputText()).as("lengths only by default").isNull();
    assertThat(StreamDetails.of(event))
        .contains(new StreamDetails(true, Duration.ofMillis(120), 2, TokenBasis.REPORTED, null));
  }

  @Test
  void laterUsageReplacesEarlierUsageInsteadOfAddingToIt() {
    UsageStream stream = tracker.startStream("chat", alice);
    stream.delivered("a b c");
    stream.usage(TokenUsage.reported(10, 1)).usage(TokenUsage.reported(10, 7)).complete();

    assertThat(single().tokens()).isEqualTo(TokenUsage.reported(10, 7));
  }

  @Test
  void withoutProviderUsageThePromptIsCountedWithTheDeliveredOutput() {
    UsageStream stream =
        tracker.startStream("chat", alice).prompt("12345678"); // 2 tokens by chars/4
    stream.delivered("abcd").delivered("efghi"); // 9 chars: 3 tokens

    stream.cancel();

    UsageEvent event = single();
    assertThat(event.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(event.error()).isNull();
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(2, 3));
    StreamDetails details = StreamDetails.of(event).orElseThrow();
    assertThat(details.completed()).isFalse();
    assertThat(details.basis()).isEqualTo(TokenBasis.ESTIMATED);
    assertThat(details.estimator()).isEqualTo("chars/4");
  }

  @Test
  void callerCountedPromptTokensAreUsedInsteadOfCountingThePromptText() {
    UsageStream stream = tracker.startStream("chat", alice).prompt("x".repeat(400));
    stream.promptTokens(17).delivered("hey").fail(new IllegalStateException("upstream reset"));

    UsageEvent event = single();
    assertThat(event.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(event.error().type()).isEqualTo(IllegalStateException.class.getName());
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(17, 1));
  }

  @Test
  void deliveredTextIsNeverZeroTokensEvenWhenTheProviderSaysZero() {
    TokenEstimator zero = fixed(0);
    UsageTracker t = UsageTracker.builder(events).clock(clock).tokenEstimator(zero).build();

    t.startStream("chat", alice).delivered("!").usage(TokenUsage.reported(0, 0)).complete();

    UsageEvent event = single();
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().output()).isEqualTo(1);
  }

  @Test
  void providerInputFromMessageStartIsKeptAndOnlyTheOutputIsEstimated() {
    UsageStream stream = tracker.startStream("chat", alice).prompt("ignored: provider counted");
    stream.partialUsage(
        TokenUsage.builder(UsageSource.REPORTED).input(25).cachedInput(100).output(1).build());
    stream.delivered("x".repeat(40)); // 10 tokens

    stream.cancel();

    UsageEvent event = single();
    assertThat(event.tokens())
        .isEqualTo(
            TokenUsage.builder(UsageSource.ESTIMATED)
                .input(25)
                .cachedInput(100)
                .output(10)
                .build());
    assertThat(StreamDetails.of(event).orElseThrow().basis()).isEqualTo(TokenBasis.REPORTED_INPUT);
  }

  @Test
  void aStreamCancelledBeforeAnyOutputStillCountsItsPrompt() {
    tracker.startStream("chat", alice).prompt("a prompt of 28 characters..").cancel();

    UsageEvent event = single();
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(7, 0));
    assertThat(StreamDetails.of(event).orElseThrow().timeToFirstToken()).isNull();
  }

  @Test
  void nothingToCountIsMissingNotZero() {
    tracker.startStream("chat", alice).cancel();

    UsageEvent event = single();
    assertThat(event.tokens()).isEqualTo(TokenUsage.missing());
    assertThat(StreamDetails.of(event).orElseThrow().basis()).isEqualTo(TokenBasis.NONE);
  }

  @Test
  void deliveredTokenCountsAreAddedToTheTextEstimate() {
    tracker
        .startStream("chat", alice)
        .promptTokens(3)
        .deliveredTokens(4)
        .deliveredTokens(5)
        .complete();

    UsageEvent event = single();
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(3, 9));
    assertThat(event.content().outputLength()).as("text length unknown").isEqualTo(-1);
  }

  @Test
  void textPastTheLimitIsEstimatedByScalingTheBufferedPart() {
    UsageTracker t =
        UsageTracker.builder(events)
            .clock(clock)
            .streamTextLimit(8)
            .tokenEstimator(fixed(2))
            .build();
    t.startStream("chat", alice).delivered("x".repeat(32)).complete();

    // 8 buffered chars are 2 tokens; 32 delivered chars scale to 8.
    assertThat(single().tokens()).isEqualTo(TokenUsage.estimated(0, 8));
  }

  @Test
  void anEstimatorThatThrowsFallsBackToCharsPerToken() {
    TokenEstimator broken =
        new TokenEstimator() {
          @Override
          public long count(CharSequence text, @Nullable String model) {
            throw new IllegalStateException("no vocabulary");
          }

          @Override
          public String name(@Nullable String model) {
            return "broken";
          }
        };
    UsageTracker t = UsageTracker.builder(events).clock(clock).tokenEstimator(broken).build();

    t.startStream("chat", alice).prompt("12345678").delivered("1234").complete();

    UsageEvent event = single();
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(2, 1));
    assertThat(StreamDetails.of(event).orElseThrow().estimator()).isEqualTo("chars/4");
  }

  @Test
  void deliveredTextIsKeptOnlyWhenCaptureIsFull() {
    UsageTracker full =
        UsageTracker.builder(events)
            .clock(clock)
            .contentCapture(ContentCapture.full(List.of()))
            .build();
    full.startStream("chat", alice).prompt("hi").delivered("hel").delivered("lo").complete();

    assertThat(single().content()).isEqualTo(ContentSummary.of("hi", "hello"));
  }

  @Test
  void theModelNamedByTheStreamReplacesTheRequestedOne() {
    tracker.startStream("chat", alice).model("m-2026-01-01").delivered("x").complete();

    assertThat(single().model()).isEqualTo("m-2026-01-01");
  }

  @Test
  void tokensPreviewsTheEstimateWhileRunningAndGivesTheRecordedTokensAfterTheEnd() {
    UsageStream stream = tracker.startStream("chat", alice).promptTokens(10);
    assertThat(stream.tokens()).isEqualTo(TokenUsage.estimated(10, 0));
    stream.delivered("12345678");
    assertThat(stream.tokens()).isEqualTo(TokenUsage.estimated(10, 2));

    stream.usage(TokenUsage.reported(11, 3)).complete();
    stream.usage(TokenUsage.reported(99, 99));

    assertThat(stream.tokens()).isEqualTo(TokenUsage.reported(11, 3)).isEqualTo(single().tokens());
  }

  @Test
  void aSecondEndChangesNothingAndFeedingAfterTheEndIsIgnored() {
    UsageStream stream = tracker.startStream("chat", alice).promptTokens(5);
    assertThat(stream.cancel()).isTrue();

    assertThat(stream.complete()).isFalse();
    assertThat(stream.fail(new RuntimeException("late"))).isFalse();
    stream.delivered("late text");
    stream.close();

    assertThat(single().outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(stream.isEnded()).isTrue();
  }

  @Test
  void closingAStreamNobodyEndedRecordsItAsAbandoned() {
    try (UsageStream stream = tracker.startStream("chat", alice)) {
      stream.delivered("partial");
    }

    UsageEvent event = single();
    assertThat(event.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(event.error().type()).isEqualTo(UsageStream.ABANDONED);
    assertThat(event.tokens().output()).isEqualTo(2);
  }

  @Test
  void anInvalidStreamIsCountedNotThrown() {
    UsageStream stream = tracker.startStream(" ", alice);

    assertThat(stream.complete()).isTrue();
    assertThat(events.events).isEmpty();
    assertThat(tracker.invalidEvents()).isEqualTo(1);
  }

  @Test
  void aDisabledTrackerRecordsNoStream() {
    UsageTracker off = UsageTracker.builder(events).enabled(false).build();
    UsageStream stream = off.startStream("chat", alice).delivered("x");

    assertThat(stream.complete()).isFalse();
    assertThat(events.events).isEmpty();
  }

  private UsageEvent single() {
    assertThat(events.events).hasSize(1);
    return events.events.get(0);
  }

  private static TokenEstimator fixed(long tokens) {
    return new TokenEstimator() {
      @Override
      public long count(CharSequence text, @Nullable String model) {
        return tokens;
      }

      @Override
      public String name(@Nullable String model) {
        return "fixed";
      }
    };
  }
}
