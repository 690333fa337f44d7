package dev.tally.test;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pipeline.UsagePipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How to test tracking end to end: a real {@link UsagePipeline} (spooling to a temporary directory)
 * in front of the kit's sinks, asserted with {@link TallyAssertions}. Copy freely.
 */
class PipelineTrackingExampleTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path spool;

  record Reply(String text, TokenUsage usage) {}

  private UsagePipeline.Builder pipeline(dev.tally.core.sink.UsageSink sink) {
    return UsagePipeline.builder(sink)
        .spoolDirectory(spool)
        .flushInterval(Duration.ofMillis(10))
        .backoff(Duration.ofMillis(5), Duration.ofMillis(20));
  }

  @Test
  void trackedCallReachesTheSinkThroughThePipeline() {
    InMemoryUsageSink sink = new InMemoryUsageSink();
    try (UsagePipeline pipeline = pipeline(sink).build()) {
      UsageTracker tracker = UsageTracker.builder(pipeline).build();

      Reply reply =
          tracker.call(
              "chat",
              UsageContext.of("alice").withModel("gpt-4o-mini"),
              () -> new Reply("Hello!", TokenUsage.reported(12, 40)),
              Reply::usage);

      assertThat(reply.text()).isEqualTo("Hello!");
      assertThat(pipeline.flush()).succeedsWithin(WAIT);
      assertThat(sink)
          .singleEvent()
          .hasOperation("chat")
          .hasSubject("alice")
          .hasModel("gpt-4o-mini")
          .hasInputTokens(12)
          .hasOutputTokens(40)
          .hasUsageSource(UsageSource.REPORTED)
          .succeeded()
          .hasNoCapturedText();
      assertThat(pipeline.stats().delivered()).isEqualTo(1);
    }
  }

  @Test
  void storeOutageLosesNothingAndCountsNothingTwice() {
    FailingUsageSink sink = new FailingUsageSink().down();
    try (UsagePipeline pipeline = pipeline(sink).maxRetries(1).build()) {
      UsageTracker tracker = UsageTracker.builder(pipeline).build();
      for (int i = 0; i < 20; i++) {
        tracker.track(tracker.event("chat").subject("user-" + i).build());
      }

      assertThat(pipeline.flush()).succeedsWithin(WAIT);
      assertThat(sink.delegate()).isEmpty();
      assertThat(pipeline.stats().spooled()).isEqualTo(20);

      sink.up();

      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(sink.delegate()).hasSize(20).hasUniqueIds());
      assertThat(sink.failedAttempts()).isPositive();
      await().atMost(WAIT).until(() -> pipeline.stats().replayed() == 20);
    }
  }

  @Test
  void rejectedEventIsDeadLetteredAndTheRestDelivered() throws Exception {
    RejectingUsageSink sink = RejectingUsageSink.rejectingIds("poison");
    try (UsagePipeline pipeline = pipeline(sink).build()) {
      UsageTracker tracker = UsageTracker.builder(pipeline).build();
      for (int i = 0; i < 5; i++) {
        tracker.track(tracker.event("chat").build());
      }
      tracker.track(tracker.event("chat").id("poison").build());

      assertThat(pipeline.flush()).succeedsWithin(WAIT);

      assertThat(sink.delegate()).hasSize(5).hasUniqueIds();
      assertThat(sink.delegate().ids()).doesNotContain("poison");
      assertThat(pipeline.stats().deadLettered()).isEqualTo(1);
      assertThat(Files.readString(spool.resolve("dead-letter.log"))).contains("poison");
    }
  }

  @Test
  void slowStoreNeverHoldsUpTheCaller() {
    SlowUsageSink sink = new SlowUsageSink(Duration.ZERO).hold();
    try (UsagePipeline pipeline = pipeline(sink).build()) {
      UsageTracker tracker = UsageTracker.builder(pipeline).build();

      // The store answers nothing while held, yet every call returns and its result is intact.
      for (int i = 0; i < 10; i++) {
        int n = i;
        assertThat(
                tracker.call("chat", UsageContext.anonymous(), () -> n, x -> TokenUsage.missing()))
            .isEqualTo(n);
      }
      await().atMost(WAIT).until(() -> sink.heldExports() > 0);
      assertThat(sink.delegate()).isEmpty();

      sink.release();

      assertThat(pipeline.flush()).succeedsWithin(WAIT);
      assertThat(sink.delegate()).hasSize(10).allSatisfy(e -> assertThat(e).hasMissingUsage());
    }
  }
}
