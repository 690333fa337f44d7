package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tally.core.internal.pipeline.DeadLetterFile;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.pipeline.OverflowPolicy;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import dev.tally.core.sink.UsageSinks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsagePipelineTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path spoolDir;
  private final List<UsagePipeline> pipelines = new ArrayList<>();

  @AfterEach
  void closeAll() {
    pipelines.forEach(UsagePipeline::close);
  }

  private UsagePipeline.Builder pipeline(UsageSink sink) {
    return UsagePipeline.builder(sink)
        .spoolDirectory(spoolDir)
        .flushInterval(Duration.ofMillis(5))
        .backoff(Duration.ofMillis(1), Duration.ofMillis(20))
        .shutdownTimeout(Duration.ofSeconds(30));
  }

  private UsagePipeline start(UsagePipeline.Builder builder) {
    UsagePipeline p = builder.build();
    pipelines.add(p);
    return p;
  }

  private static void submitMany(UsagePipeline pipeline, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      pipeline.submit(Events.chat(prefix + i));
    }
  }

  @Test
  void deliversEverySubmittedEventToTheSink() {
    TestSink sink = TestSink.keepingEvents();
    UsagePipeline pipeline = start(pipeline(sink).batchSize(7));

    submitMany(pipeline, "e", 100);

    await().atMost(WAIT).until(() -> sink.distinctIds() == 100);
    assertThat(sink.duplicates()).isZero();
    assertThat(sink.events().get(0)).isEqualTo(Events.chat("e0"));
    // The worker counts a batch as delivered after the sink has taken it: wait for the count too.
    await().atMost(WAIT).until(() -> pipeline.stats().delivered() >= 100);
    PipelineStats stats = pipeline.stats();
    assertThat(stats.accepted()).isEqualTo(100);
    assertThat(stats.delivered()).isEqualTo(100);
    assertThat(stats.spooled()).isZero();
    assertThat(stats.droppedTotal()).isZero();
  }

  @Test
  void burstFromSixteenThreadsIntoSmallQueueLosesNothingAndDuplicatesNothing() throws Exception {
    TestSink sink = TestSink.countingIds().delay(2);
    UsagePipeline pipeline = start(pipeline(sink).queueCapacity(1_024).batchSize(500));
    int threads = 16;
    int perThread = 50_000;

    ExecutorService producers = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String prefix = "t" + t + "-";
      done.add(
          producers.submit(
              () -> {
                go.await();
                submitMany(pipeline, prefix, perThread);
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get(5, TimeUnit.MINUTES);
    }
    producers.shutdown();

    long total = (long) threads * perThread;
    await()
        .atMost(Duration.ofMinutes(3))
        .until(() -> pipeline.stats().delivered() == total && !hasPendingSpool(pipeline));
    PipelineStats stats = pipeline.stats();
    assertThat(stats.accepted()).isEqualTo(total);
    assertThat(stats.droppedTotal()).isZero();
    assertThat(stats.spooled()).as("the small queue overflowed into the spool").isPositive();
    assertThat(stats.replayed()).isEqualTo(stats.spooled());
    assertThat(stats.delivered()).isEqualTo(stats.accepted());
    assertThat(sink.distinctIds()).isEqualTo(total);
    assertThat(sink.duplicates()).isZero();
  }

  @Test
  void whileSinkIsDownEverythingIsSpooledAndAfterRecoveryDeliveredExactlyOnce() {
    TestSink sink = TestSink.countingIds().down();
    UsagePipeline pipeline = start(pipeline(sink).batchSize(50).maxRetries(2));

    submitMany(pipeline, "d", 1_000);

    await().atMost(WAIT).until(() -> pipeline.stats().spooled() == 1_000);
    assertThat(pipeline.stats().sinkHealthy()).isFalse();
    assertThat(sink.distinctIds()).isZero();
    assertThat(pipeline.stats().spoolBytes()).isPositive();

    sink.up();

    await().atMost(WAIT).until(() -> sink.distinctIds() == 1_000);
    await().atMost(WAIT).until(() -> pipeline.stats().spoolBytes() == 0);
    PipelineStats stats = pipeline.stats();
    assertThat(sink.duplicates()).isZero();
    assertThat(stats.replayed()).isEqualTo(1_000);
    assertThat(stats.delivered()).isEqualTo(1_000);
    assertThat(stats.sinkHealthy()).isTrue();
    assertThat(stats.exportFailures()).isPositive();
  }

  @Test
  void closeDeliversAHundredThousandQueuedEventsToALiveSink() {
    TestSink sink = TestSink.countingIds().hold();
    UsagePipeline pipeline = start(pipeline(sink).queueCapacity(131_072).batchSize(1_000));

    submitMany(pipeline, "q", 100_000);
    await().atMost(WAIT).until(() -> pipeline.stats().queueSize() >= 99_000);

    sink.release();
    pipeline.close();

    assertThat(sink.distinctIds()).isEqualTo(100_000);
    assertThat(sink.duplicates()).isZero();
    assertThat(pipeline.stats().spooled()).isZero();
    assertThat(pipeline.stats().delivered()).isEqualTo(100_000);
  }

  @Test
  void closeWithADeadSinkSpoolsEverythingAndTheNextPipelineDeliversIt() {
    TestSink dead = TestSink.countingIds().down();
    UsagePipeline first =
        start(
            pipeline(dead)
                .queueCapacity(131_072)
                .batchSize(1_000)
                .maxRetries(0)
                .shutdownTimeout(Duration.ofMillis(200)));
    submitMany(first, "c", 100_000);

    first.close();

    assertThat(first.stats().spooled()).isEqualTo(100_000);
    assertThat(first.stats().queueSize()).isZero();
    assertThat(dead.distinctIds()).isZero();

    TestSink alive = TestSink.countingIds();
    UsagePipeline second = start(pipeline(alive).batchSize(1_000));
    await().atMost(WAIT).until(() -> alive.distinctIds() == 100_000);
    assertThat(alive.duplicates()).isZero();
    // The worker counts a batch as replayed after the sink has taken it: wait for the count too.
    await().atMost(WAIT).until(() -> second.stats().replayed() >= 100_000);
    assertThat(second.stats().replayed()).isEqualTo(100_000);
  }

  @Test
  void closeRunsOnceAndEventsSubmittedAfterCloseAreSpooledNotLost() {
    TestSink sink = TestSink.countingIds();
    UsagePipeline first = start(pipeline(sink));
    first.close();
    first.close();
    assertThat(first.shutdown()).isDone();

    first.submit(Events.chat("late"));

    assertThat(first.stats().spooled()).isEqualTo(1);
    UsagePipeline second = start(pipeline(sink));
    await().atMost(WAIT).until(() -> sink.has("late"));
    assertThat(second.stats().replayed()).isEqualTo(1);
  }

  @Test
  void poisonEventGoesToDeadLetterWithItsReasonAndTheRestOfTheBatchIsDelivered()
      throws IOException {
    TestSink sink = TestSink.keepingEvents().hold().reject(e -> e.id().equals("p37"));
    UsagePipeline pipeline = start(pipeline(sink).batchSize(100));

    submitMany(pipeline, "p", 100);
    sink.release();

    await()
        .atMost(WAIT)
        .until(() -> pipeline.stats().delivered() + pipeline.stats().deadLettered() == 100);
    assertThat(pipeline.stats().deadLettered()).isEqualTo(1);
    assertThat(sink.distinctIds()).isEqualTo(99);
    assertThat(sink.has("p37")).isFalse();
    Path deadLetters = spoolDir.resolve("dead-letter.log");
    assertThat(Files.readString(deadLetters)).contains("p37").contains("bad value in event p37");
    assertThat(DeadLetterFile.read(deadLetters)).containsExactly(Events.chat("p37"));
  }

  @Test
  void sinkThatThrowsInsteadOfFailingItsFutureIsRetriedAndNeverReachesTheCaller() {
    TestSink sink = TestSink.countingIds().throwing(true);
    UsagePipeline pipeline = start(pipeline(sink).maxRetries(1));

    submitMany(pipeline, "x", 10);

    await().atMost(WAIT).until(() -> pipeline.stats().spooled() == 10);
    sink.throwing(false);
    await().atMost(WAIT).until(() -> sink.distinctIds() == 10);
    assertThat(sink.duplicates()).isZero();
  }

  @Test
  void sinkThatNeverCompletesTimesOutAndItsBatchIsSpooled() {
    TestSink sink = TestSink.countingIds().hold();
    UsagePipeline pipeline =
        start(pipeline(sink).maxRetries(0).exportTimeout(Duration.ofMillis(50)));

    submitMany(pipeline, "h", 5);

    await().atMost(WAIT).until(() -> pipeline.stats().spooled() == 5);
    assertThat(pipeline.stats().sinkHealthy()).isFalse();
    sink.release();
    await().atMost(WAIT).until(() -> sink.distinctIds() == 5);
  }

  @Test
  void dropPolicyCountsDropsWhenTheQueueIsFull() {
    TestSink sink = TestSink.countingIds().hold();
    UsagePipeline pipeline =
        start(pipeline(sink).queueCapacity(10).batchSize(1).overflowPolicy(OverflowPolicy.DROP));

    submitMany(pipeline, "f", 100);

    PipelineStats stats = pipeline.stats();
    assertThat(stats.accepted()).isEqualTo(100);
    assertThat(stats.dropped()).containsOnlyKeys(DropReason.QUEUE_FULL);
    assertThat(stats.dropped().get(DropReason.QUEUE_FULL)).isBetween(89L, 90L);
    assertThat(stats.spooled()).isZero();
    sink.release();
  }

  @Test
  void blockPolicySpillsWhenNoRoomAppearsWithinTheTimeout() {
    TestSink sink = TestSink.countingIds().hold();
    UsagePipeline pipeline =
        start(
            pipeline(sink)
                .queueCapacity(10)
                .batchSize(1)
                .overflowPolicy(OverflowPolicy.BLOCK)
                .blockTimeout(Duration.ofMillis(1)));

    submitMany(pipeline, "b", 30);

    assertThat(pipeline.stats().spooled()).isBetween(19L, 20L);
    assertThat(pipeline.stats().droppedTotal()).isZero();
    sink.release();
    await().atMost(WAIT).until(() -> sink.distinctIds() == 30);
  }

  @Test
  void flushCompletesOnceEarlierEventsAreDelivered() throws Exception {
    TestSink sink = TestSink.countingIds();
    UsagePipeline pipeline = start(pipeline(sink).flushInterval(Duration.ofSeconds(30)));

    submitMany(pipeline, "fl", 10);
    pipeline.flush().get(30, TimeUnit.SECONDS);

    assertThat(sink.distinctIds()).isEqualTo(10);
  }

  @Test
  void compositeSinkKeepsDeliveringToHealthyMembersWhenOneThrows() {
    TestSink healthy = TestSink.countingIds();
    AtomicInteger calls = new AtomicInteger();
    UsageSink throwing =
        batch -> {
          if (calls.incrementAndGet() < 3) {
            throw new IllegalStateException("member broken (injected)");
          }
          return java.util.concurrent.CompletableFuture.completedFuture(null);
        };
    UsagePipeline pipeline = start(pipeline(UsageSinks.composite(List.of(throwing, healthy))));

    submitMany(pipeline, "m", 20);

    await().atMost(WAIT).until(() -> healthy.distinctIds() == 20);
    await().atMost(WAIT).until(() -> pipeline.stats().delivered() == 20);
    assertThat(calls.get())
        .as("the broken member was retried until it recovered")
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void secondPipelineOnTheSameSpoolDirectoryIsRefusedWithAClearMessage() {
    start(pipeline(TestSink.countingIds()));

    assertThatThrownBy(() -> pipeline(TestSink.countingIds()).build())
        .hasMessageContaining(spoolDir.toString())
        .hasRootCauseMessage(
            "spool directory " + spoolDir + " is in use by another pipeline; give each its own");
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    UsagePipeline.Builder b = UsagePipeline.builder(TestSink.countingIds());
    assertThatThrownBy(() -> b.batchSize(-3)).hasMessage("batchSize must be > 0, was -3");
    assertThatThrownBy(() -> b.queueCapacity(0)).hasMessage("queueCapacity must be > 0, was 0");
    assertThatThrownBy(() -> b.maxRetries(-1)).hasMessage("maxRetries must be >= 0, was -1");
    assertThatThrownBy(() -> b.flushInterval(Duration.ZERO))
        .hasMessage("flushInterval must be > 0, was PT0S");
    assertThatThrownBy(() -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("maxBackoff must be >= initialBackoff PT2S, was PT1S");
    assertThatThrownBy(() -> b.spoolSegmentBytes(10))
        .hasMessage("spoolSegmentBytes must be >= 4096, was 10");
  }

  @Test
  void submitOfNullIsIgnoredWithoutThrowing() {
    UsagePipeline pipeline = start(pipeline(TestSink.countingIds()));
    pipeline.submit(null);
    assertThat(pipeline.stats().accepted()).isZero();
  }

  @Test
  void exportObserverSeesEveryAttemptAndItsFailureNeverHurts() {
    TestSink sink = TestSink.countingIds();
    AtomicInteger seen = new AtomicInteger();
    UsagePipeline pipeline =
        start(
            pipeline(sink)
                .exportObserver(
                    (size, nanos, failure) -> {
                      seen.addAndGet(size);
                      throw new IllegalStateException("observer broken (injected)");
                    }));

    submitMany(pipeline, "o", 10);

    await().atMost(WAIT).until(() -> sink.distinctIds() == 10);
    await().atMost(WAIT).until(() -> seen.get() == 10);
  }

  @Test
  void corruptSpoolRecordIsQuarantinedAndTheIntactRecordsStillReplay() throws IOException {
    TestSink dead = TestSink.countingIds().down();
    UsagePipeline first = start(pipeline(dead).batchSize(10).maxRetries(0));
    submitMany(first, "k", 30);
    await().atMost(WAIT).until(() -> first.stats().spooled() == 30);
    first.close();
    Path segment;
    try (Stream<Path> files = Files.list(spoolDir)) {
      segment =
          files.filter(p -> p.toString().endsWith(".spool")).sorted().findFirst().orElseThrow();
    }
    byte[] data = Files.readAllBytes(segment);
    data[data.length / 2] ^= 0x01; // flip one bit inside some record
    Files.write(segment, data);

    TestSink alive = TestSink.countingIds();
    UsagePipeline second = start(pipeline(alive).batchSize(10));

    await().atMost(WAIT).until(() -> second.stats().spoolBytes() == 0);
    assertThat(second.stats().quarantinedRecords()).isEqualTo(1);
    assertThat(alive.distinctIds()).isBetween(1, 29);
    assertThat(alive.duplicates()).isZero();
    try (Stream<Path> quarantined = Files.list(spoolDir.resolve("quarantine"))) {
      assertThat(quarantined).hasSize(1);
    }
  }

  @Test
  void acceptObserverSeesEveryAcceptedEventExactlyOnceEvenWhenSpooledAndReplayed() {
    TestSink sink = TestSink.countingIds().down();
    java.util.Map<String, AtomicInteger> seen = new java.util.concurrent.ConcurrentHashMap<>();
    UsagePipeline pipeline =
        start(
            pipeline(sink)
                .queueCapacity(8)
                .maxRetries(0)
                .acceptObserver(
                    e -> seen.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet()));

    submitMany(pipeline, "a", 200);
    await().atMost(WAIT).until(() -> pipeline.stats().spooled() == 200);
    sink.up();
    await().atMost(WAIT).until(() -> sink.distinctIds() == 200);

    assertThat(seen).hasSize(200);
    assertThat(seen.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
  }

  private static boolean hasPendingSpool(UsagePipeline pipeline) {
    return pipeline.stats().spoolBytes() > 0;
  }

  static long spoolFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".spool")).count();
    }
  }
}
