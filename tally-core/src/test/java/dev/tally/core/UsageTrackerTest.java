package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.UsagePipeline;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class UsageTrackerTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
  private final RecordingDestination events = new RecordingDestination();
  private final UsageTracker tracker =
      UsageTracker.builder(events).clock(clock).traceIdSupplier(() -> "trace-1").build();

  record Reply(String text, TokenUsage usage) {}

  @Test
  void callReturnsTheResultAndTracksTokensAndDurationFromTheClock() {
    UsageContext context = UsageContext.of("alice").withSessionId("s-1").withModel("echo");

    Reply reply =
        tracker.call(
            "chat",
            context,
            () -> {
              clock.advance(Duration.ofMillis(250));
              return new Reply("hi", TokenUsage.reported(3, 5));
            },
            Reply::usage);

    assertThat(reply.text()).isEqualTo("hi");
    UsageEvent event = events.last();
    assertThat(event.operation()).isEqualTo("chat");
    assertThat(event.subject()).isEqualTo("alice");
    assertThat(event.sessionId()).isEqualTo("s-1");
    assertThat(event.model()).isEqualTo("echo");
    assertThat(event.tokens()).isEqualTo(TokenUsage.reported(3, 5));
    assertThat(event.duration()).isEqualTo(Duration.ofMillis(250));
    assertThat(event.occurredAt()).isEqualTo(Instant.parse("2026-11-27T12:00:00Z"));
    assertThat(event.traceId()).isEqualTo("trace-1");
    assertThat(event.succeeded()).isTrue();
  }

  record ProviderReply(String text, String model, TokenUsage usage, String finishReason) {}

  @Test
  void aResultMapperRecordsTheModelTheTokensAndAttributesReadFromTheResult() {
    UsageContext context = UsageContext.of("alice").withModel("gpt-4o");

    ProviderReply reply =
        tracker.call(
            "chat",
            context,
            () -> new ProviderReply("hi", "gpt-4o-2024-08-06", TokenUsage.reported(7, 2), "stop"),
            (r, usage) ->
                usage
                    .model(r.model())
                    .tokens(r.usage())
                    .attribute("finish_reason", r.finishReason()));

    assertThat(reply.text()).isEqualTo("hi");
    UsageEvent event = events.last();
    assertThat(event.model()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(event.tokens()).isEqualTo(TokenUsage.reported(7, 2));
    assertThat(event.attributes()).containsEntry("finish_reason", "stop");
  }

  @Test
  void aMapperThatThrowsKeepsWhatItSetRecordsMissingTokensAndNeverBreaksTheCall() {
    String result =
        tracker.call(
            "chat",
            UsageContext.of("bob").withModel("context-model"),
            () -> "answer",
            (r, usage) -> {
              usage.model("answered-by");
              throw new IllegalStateException("mapper bug");
            });

    assertThat(result).isEqualTo("answer");
    assertThat(events.events).hasSize(1);
    assertThat(events.last().model()).isEqualTo("answered-by");
    assertThat(events.last().tokens()).isEqualTo(TokenUsage.missing());
    assertThat(events.last().succeeded()).isTrue();
  }

  @Test
  void aNullModelFromTheMapperKeepsTheContextsModel() {
    tracker.call(
        "chat",
        UsageContext.of("carol").withModel("echo"),
        () -> "x",
        (r, usage) -> usage.model(null).tokens(null));

    assertThat(events.last().model()).isEqualTo("echo");
    assertThat(events.last().tokens()).isEqualTo(TokenUsage.missing());
  }

  @Test
  void callAsyncWithAMapperReadsTheCompletedValue() {
    CompletableFuture<ProviderReply> future = new CompletableFuture<>();

    CompletionStage<ProviderReply> returned =
        tracker.callAsync(
            "chat",
            UsageContext.of("dave"),
            () -> future,
            (r, usage) -> usage.model(r.model()).tokens(r.usage()));
    assertThat(events.events).isEmpty();
    future.complete(new ProviderReply("ok", "m-1", TokenUsage.reported(1, 1), "stop"));

    assertThat(returned).isSameAs(future);
    assertThat(events.last().model()).isEqualTo("m-1");
    assertThat(events.last().tokens()).isEqualTo(TokenUsage.reported(1, 1));
  }

  @Test
  void anOperationCancelledByItsCallerIsCancelledNotAnErrorAndEndsOnce() {
    UsageOperation op = tracker.start("lookup").subject("erin");

    assertThat(op.cancel()).isTrue();
    assertThat(op.success()).isFalse();
    assertThat(op.cancel()).isFalse();

    assertThat(events.events).hasSize(1);
    assertThat(events.last().outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(events.last().error()).isNull();
  }

  @Test
  void callRethrowsTheSameCheckedExceptionAndTracksTheFailure() {
    IOException failure = new IOException("provider unreachable");

    assertThatThrownBy(
            () ->
                tracker.call(
                    "chat",
                    UsageContext.anonymous(),
                    () -> {
                      throw failure;
                    },
                    (Object r) -> TokenUsage.missing()))
        .isSameAs(failure);

    UsageEvent event = events.last();
    assertThat(event.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(event.error().type()).isEqualTo("java.io.IOException");
    assertThat(event.error().message()).isEqualTo("provider unreachable");
    assertThat(event.subject()).isEqualTo("anonymous");
  }

  @Test
  void usageMapperThatThrowsLeavesTheResultUntouchedAndRecordsMissingUsage() {
    String result =
        tracker.call(
            "chat",
            UsageContext.anonymous(),
            () -> "answer",
            r -> {
              throw new IllegalStateException("no usage field");
            });

    assertThat(result).isEqualTo("answer");
    assertThat(events.last().tokens()).isEqualTo(TokenUsage.missing());
    assertThat(events.last().succeeded()).isTrue();
  }

  @Test
  void callAsyncTracksWhenTheStageCompletesAndReturnsTheSameStage() {
    CompletableFuture<Reply> future = new CompletableFuture<>();

    CompletionStage<Reply> returned =
        tracker.callAsync("chat", UsageContext.of("bob"), () -> future, Reply::usage);

    assertThat(returned).isSameAs(future);
    assertThat(events.events).isEmpty();
    clock.advance(Duration.ofSeconds(2));
    future.complete(new Reply("x", TokenUsage.estimated(1, 1)));
    assertThat(events.last().tokens()).isEqualTo(TokenUsage.estimated(1, 1));
    assertThat(events.last().duration()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void callAsyncTracksAFailedStageWithTheUnwrappedCause() {
    CompletableFuture<Reply> future = new CompletableFuture<>();
    tracker.callAsync(
        "chat", UsageContext.anonymous(), () -> future.thenApply(r -> r), Reply::usage);

    future.completeExceptionally(new IllegalArgumentException("bad prompt"));

    assertThat(events.last().outcome()).isEqualTo(Outcome.ERROR);
    assertThat(events.last().error().type()).isEqualTo("java.lang.IllegalArgumentException");
  }

  @Test
  void callAsyncPassesANullStageThroughAndTracksIt() {
    CompletionStage<Reply> returned =
        tracker.callAsync("chat", UsageContext.anonymous(), () -> null, Reply::usage);

    assertThat(returned).isNull();
    assertThat(events.last().attributes()).containsEntry("tally.null_result", "true");
    assertThat(events.last().tokens().isKnown()).isFalse();
  }

  @Test
  void callAsyncBodyThatThrowsIsTrackedAndRethrown() {
    IllegalStateException boom = new IllegalStateException("boom");

    assertThatThrownBy(
            () ->
                tracker.callAsync(
                    "chat",
                    UsageContext.anonymous(),
                    () -> {
                      throw boom;
                    },
                    (Reply r) -> r.usage()))
        .isSameAs(boom);
    assertThat(events.last().outcome()).isEqualTo(Outcome.ERROR);
  }

  @Test
  void startedOperationEndsOnceAndCarriesWhatWasSet() {
    UsageOperation op =
        tracker.start("summary").subject("carol").tenant("acme").attribute("k", "v");
    clock.advance(Duration.ofMillis(40));

    assertThat(op.model("m-1").success(TokenUsage.reported(1, 2))).isTrue();
    assertThat(op.failure(new RuntimeException("late"))).isFalse();

    assertThat(events.events).hasSize(1);
    UsageEvent event = events.last();
    assertThat(event.tenant()).isEqualTo("acme");
    assertThat(event.model()).isEqualTo("m-1");
    assertThat(event.attributes()).containsEntry("k", "v");
    assertThat(event.duration()).isEqualTo(Duration.ofMillis(40));
  }

  @Test
  void operationIdMakesRetriesIdempotent() {
    tracker.start("chat").id("req-7").success();
    assertThat(events.last().id()).isEqualTo("req-7");
  }

  @Test
  void invalidValuesNeverBreakTheCallerAndAreCounted() {
    UsageOperation op = tracker.start("chat").attribute("k".repeat(100), "v");

    assertThat(op.success()).isTrue();

    assertThat(events.events).isEmpty();
    assertThat(tracker.invalidEvents()).isEqualTo(1);
  }

  @Test
  void trackNeverThrowsWhenTheDestinationFails() {
    UsageTracker broken =
        UsageTracker.builder(
                e -> {
                  throw new IllegalStateException("queue exploded");
                })
            .build();

    broken.track(broken.event("chat").build());
    String result =
        broken.call("chat", UsageContext.anonymous(), () -> "fine", r -> TokenUsage.missing());

    assertThat(result).isEqualTo("fine");
  }

  @Test
  void traceIdSupplierThatThrowsIsIgnored() {
    UsageTracker t =
        UsageTracker.builder(events)
            .traceIdSupplier(
                () -> {
                  throw new IllegalStateException("no tracer");
                })
            .build();

    t.start("chat").success();

    assertThat(events.last().traceId()).isNull();
  }

  @Test
  void disabledTrackerRunsBodiesAndTracksNothing() throws Exception {
    UsageTracker off = UsageTracker.builder(events).enabled(false).build();

    assertThat(off.isEnabled()).isFalse();
    assertThat(off.call("chat", UsageContext.anonymous(), () -> 42, r -> TokenUsage.missing()))
        .isEqualTo(42);
    off.track(off.event("chat").build());
    off.start("chat").success();
    off.run("ping", UsageContext.anonymous(), () -> {});

    assertThat(events.events).isEmpty();
    assertThat(UsageTracker.noop().isEnabled()).isFalse();
  }

  @Test
  void runTracksAVoidBody() {
    tracker.run("ping", UsageContext.of("dave"), () -> clock.advance(Duration.ofMillis(3)));

    assertThat(events.last().operation()).isEqualTo("ping");
    assertThat(events.last().duration()).isEqualTo(Duration.ofMillis(3));
  }

  @Test
  void trackerOnAPipelineDeliversToTheSink(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    TestSink sink = TestSink.keepingEvents();
    try (UsagePipeline pipeline = UsagePipeline.builder(sink).spoolDirectory(dir).build()) {
      UsageTracker piped = UsageTracker.builder(pipeline).clock(clock).build();
      piped.call("chat", UsageContext.of("erin"), () -> "ok", r -> TokenUsage.reported(1, 1));
      pipeline.flush().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(sink.events()).singleElement().extracting(UsageEvent::subject).isEqualTo("erin");
  }
}
