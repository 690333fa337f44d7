package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.OverflowPolicy;
import dev.tally.core.pipeline.UsagePipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events finished later ({@link UsagePipeline#submitLater}), and streams whose tokens must be
 * estimated, which the tracker finishes that way when it submits to a pipeline.
 */
class DeferredStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<UsagePipeline> pipelines = new ArrayList<>();

  @AfterEach
  void closeAll() {
    pipelines.forEach(UsagePipeline::close);
  }

  private UsagePipeline memory(TestSink sink) {
    UsagePipeline p =
        UsagePipeline.builder(sink)
            .spoolDirectory(dir.resolve("spool"))
            .flushInterval(Duration.ofMillis(5))
            .shutdownTimeout(Duration.ofSeconds(30))
            .build();
    pipelines.add(p);
    return p;
  }

  @Test
  void withoutAJournalTheWorkerFinishesTheEvent() throws Exception {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = memory(sink);
    AtomicReference<String> finishedOn = submitLater(pipeline, "later");
    pipeline.flush().get(60, TimeUnit.SECONDS);

    assertThat(sink.events()).extracting(UsageEvent::id).containsExactly("later");
    assertThat(finishedOn.get()).startsWith("tally-pipeline-worker-");
    assertThat(pipeline.stats().accepted()).isEqualTo(1);
    assertThat(pipeline.stats().delivered()).isEqualTo(1);
  }

  @Test
  void withAJournalTheEventIsFinishedBeforeSubmitReturns() throws Exception {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline =
        UsagePipeline.builder(sink)
            .durability(Durability.PROCESS)
            .spoolDirectory(dir.resolve("spool"))
            .journalDirectory(dir.resolve("journal"))
            .flushInterval(Duration.ofMillis(5))
            .build();
    pipelines.add(pipeline);
    AtomicReference<String> finishedOn = submitLater(pipeline, "journaled");

    assertThat(finishedOn.get()).isEqualTo(Thread.currentThread().getName());
    pipeline.flush().get(60, TimeUnit.SECONDS);
    assertThat(sink.events()).extracting(UsageEvent::id).containsExactly("journaled");
  }

  @Test
  void anEventThatCannotBeFinishedIsCountedAsDroppedAndTheWorkerGoesOn() throws Exception {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = memory(sink);

    pipeline.submitLater(
        () -> {
          throw new IllegalStateException("broken");
        });
    pipeline.submitLater(() -> null);
    pipeline.submit(Events.chat("after"));
    pipeline.flush().get(60, TimeUnit.SECONDS);

    assertThat(sink.events()).extracting(UsageEvent::id).containsExactly("after");
    assertThat(pipeline.stats().accepted()).isEqualTo(3);
    assertThat(pipeline.stats().dropped()).containsEntry(DropReason.BUILD_FAILED, 2L);
  }

  @Test
  void aClosedPipelineFinishesTheEventOnTheCallerAndSpoolsIt() {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = memory(sink);
    pipeline.close();
    AtomicReference<String> finishedOn = submitLater(pipeline, "late");

    assertThat(finishedOn.get()).isEqualTo(Thread.currentThread().getName());
    assertThat(pipeline.stats().spooled()).isEqualTo(1);
  }

  @Test
  void aFullQueueFinishesDeferredEventsOnTheCallerBeforeItDropsOrSpillsThem() {
    for (OverflowPolicy policy : List.of(OverflowPolicy.DROP, OverflowPolicy.SPILL)) {
      TestSink sink = TestSink.countingIds().hold();
      UsagePipeline pipeline =
          UsagePipeline.builder(sink)
              .spoolDirectory(dir.resolve("spool-" + policy))
              .queueCapacity(10)
              .batchSize(1)
              .overflowPolicy(policy)
              .build();
      pipelines.add(pipeline);
      List<AtomicReference<String>> finished = new ArrayList<>();

      for (int i = 0; i < 30; i++) {
        finished.add(submitLater(pipeline, policy + "-" + i));
      }

      // The worker holds at most one batch at the sink and the queue ten: the rest overflowed,
      // each finished on this thread first (so a dropped one is still observed, a spilled one
      // spooled whole).
      long onCaller =
          finished.stream().filter(f -> Thread.currentThread().getName().equals(f.get())).count();
      long overflowed =
          policy == OverflowPolicy.DROP
              ? pipeline.stats().dropped().getOrDefault(DropReason.QUEUE_FULL, 0L)
              : pipeline.stats().spooled();
      assertThat(overflowed).isBetween(19L, 20L);
      assertThat(onCaller).isEqualTo(overflowed);
      assertThat(pipeline.stats().dropped()).doesNotContainKey(DropReason.BUILD_FAILED);
      sink.release();
    }
  }

  @Test
  void aStreamThatMustBeEstimatedIsEstimatedOnTheWorker() throws Exception {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = memory(sink);
    CountingEstimator estimator = new CountingEstimator();
    UsageTracker tracker = UsageTracker.builder(pipeline).tokenEstimator(estimator).build();

    UsageStream stream = tracker.startStream("chat", UsageContext.of("ann"));
    stream.prompt("one two three").delivered("four five").complete();
    pipeline.flush().get(60, TimeUnit.SECONDS);

    UsageEvent event = sink.events().get(0);
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().input()).isEqualTo(3);
    assertThat(event.tokens().output()).isEqualTo(2);
    assertThat(StreamDetails.of(event).orElseThrow().completed()).isTrue();
    assertThat(estimator.threads).hasSize(2).allMatch(t -> t.startsWith("tally-pipeline-worker-"));
  }

  @Test
  void tokensReadRightAfterTheEndAreTheRecordedOnesCountedOnce() throws Exception {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = memory(sink);
    CountingEstimator estimator = new CountingEstimator();
    UsageTracker tracker = UsageTracker.builder(pipeline).tokenEstimator(estimator).build();

    UsageStream stream = tracker.startStream("chat", UsageContext.of("ann"));
    stream.prompt("one two three").delivered("four five six seven");
    stream.cancel();
    TokenUsage read = stream.tokens();
    pipeline.flush().get(60, TimeUnit.SECONDS);

    assertThat(read.input()).isEqualTo(3);
    assertThat(read.output()).isEqualTo(4);
    assertThat(sink.events().get(0).tokens()).isEqualTo(read);
    assertThat(stream.tokens()).isEqualTo(read);
    assertThat(estimator.threads).hasSize(2); // the prompt and the output, once each
  }

  @Test
  void aStreamWithTheProvidersUsageIsFinishedAtOnce() throws Exception {
    List<UsageEvent> handed = new CopyOnWriteArrayList<>();
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = memory(sink);
    CountingEstimator estimator = new CountingEstimator();
    UsageTracker tracker =
        UsageTracker.builder(
                event -> {
                  handed.add(event);
                  pipeline.submit(event);
                })
            .tokenEstimator(estimator)
            .build();

    UsageStream stream = tracker.startStream("chat", UsageContext.of("ann"));
    stream.prompt("one two").delivered("three");
    stream.usage(TokenUsage.builder(UsageSource.REPORTED).input(5).output(7).build()).complete();

    assertThat(handed).hasSize(1); // a destination that is not a pipeline gets it at once
    assertThat(handed.get(0).tokens().total()).isEqualTo(12);
    assertThat(estimator.threads).isEmpty();
    await().atMost(WAIT).until(() -> sink.events().size() == 1);
  }

  /** Submits an event finished later; the reference names the thread that finished it. */
  private static AtomicReference<String> submitLater(UsagePipeline pipeline, String id) {
    AtomicReference<String> finishedOn = new AtomicReference<>();
    pipeline.submitLater(
        () -> {
          finishedOn.set(Thread.currentThread().getName());
          return Events.chat(id);
        });
    return finishedOn;
  }

  /** Counts words, and remembers the thread of each count. */
  private static final class CountingEstimator implements TokenEstimator {
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public long count(CharSequence text, @Nullable String model) {
      threads.add(Thread.currentThread().getName());
      return text.toString().trim().split("\\s+").length;
    }

    @Override
    public String name(@Nullable String model) {
      return "words";
    }
  }
}
