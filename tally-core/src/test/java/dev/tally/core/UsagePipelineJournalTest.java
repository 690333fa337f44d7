package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline with the journal ({@link Durability#PROCESS}): delivery, recovery, cap, damage. */
class UsagePipelineJournalTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<UsagePipeline> pipelines = new ArrayList<>();
  private final ManualTicker ticker = new ManualTicker();

  @AfterEach
  void closeAll() {
    pipelines.forEach(UsagePipeline::close);
  }

  private UsagePipeline.Builder journaled(UsageSink sink) {
    return UsagePipeline.builder(sink)
        .durability(Durability.PROCESS)
        .spoolDirectory(dir)
        .flushInterval(Duration.ofMillis(5))
        .backoff(Duration.ofSeconds(1), Duration.ofMinutes(5))
        .ticker(ticker)
        .shutdownTimeout(Duration.ofSeconds(30));
  }

  private UsagePipeline start(UsagePipeline.Builder builder) {
    UsagePipeline p = builder.build();
    pipelines.add(p);
    return p;
  }

  /** Closes and forgets a pipeline, so the next one can open the same directory. */
  private void stop(UsagePipeline pipeline) {
    pipeline.close();
    pipelines.remove(pipeline);
  }

  private static UsageEvent event(String id, String subject) {
    return Events.chat(id).toBuilder().subject(subject).build();
  }

  @Test
  void everyEventFromManyThreadsIsDeliveredOnceAndTheJournalEmpties() throws Exception {
    TestSink sink = TestSink.countingIds();
    UsagePipeline pipeline = start(journaled(sink).batchSize(100));
    ExecutorService producers = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      done.add(
          producers.submit(
              () -> {
                for (int i = 0; i < 2_000; i++) {
                  pipeline.submit(Events.chat("t" + thread + "-" + i));
                }
              }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    producers.shutdown();

    pipeline.flush().get(60, TimeUnit.SECONDS);
    assertThat(sink.distinctIds()).isEqualTo(8_000);
    assertThat(sink.duplicates()).isZero();
    PipelineStats stats = pipeline.stats();
    assertThat(stats.durability()).isEqualTo(Durability.PROCESS);
    assertThat(stats.accepted()).isEqualTo(8_000);
    assertThat(stats.delivered()).isEqualTo(8_000);
    assertThat(stats.journal().appended()).isEqualTo(8_000);
    assertThat(stats.journal().backlog()).isZero();
    assertThat(stats.queueSize()).isZero();
    assertThat(stats.spooled()).isZero();
  }

  @Test
  void whatTheSinkDidNotCommitIsDeliveredAgainByTheNextPipelineExactlyOnce() {
    TestSink down = TestSink.countingIds().down();
    UsagePipeline first = start(journaled(down).maxRetries(0));
    for (int i = 0; i < 300; i++) {
      first.submit(Events.chat("e" + i));
    }
    await().atMost(WAIT).until(() -> !first.stats().sinkHealthy());
    stop(first);
    assertThat(down.distinctIds()).isZero();

    TestSink up = TestSink.countingIds();
    UsagePipeline second = start(journaled(up));
    await().atMost(WAIT).until(() -> up.distinctIds() == 300);
    // Counted and checkpointed after the sink has taken the batch: wait for the counts too.
    await()
        .atMost(WAIT)
        .until(() -> second.stats().replayed() >= 300 && second.stats().journal().backlog() == 0);
    PipelineStats stats = second.stats();
    assertThat(stats.journal().recovered()).isEqualTo(300);
    assertThat(stats.replayed()).isEqualTo(300);
    assertThat(stats.journal().backlog()).isZero();
    assertThat(up.duplicates()).isZero();
  }

  @Test
  void sinkDownForHoursThenUpDeliversEverythingOnceInOrderWithinEachSubject() throws Exception {
    TestSink sink = TestSink.keepingEvents().down();
    UsagePipeline pipeline = start(journaled(sink).batchSize(50).maxRetries(2));
    List<String> subjects = List.of("alice", "bob", "carol");
    for (int i = 0; i < 600; i++) {
      pipeline.submit(event("e" + i, subjects.get(i % 3)));
    }
    // The retries of the first batch wait on the ticker: move it until the sink counts as down.
    await()
        .atMost(WAIT)
        .until(
            () -> {
              ticker.advance(Duration.ofSeconds(2));
              return !pipeline.stats().sinkHealthy();
            });
    // Hours of probes, each a failed export, and nothing leaves the journal meanwhile.
    for (int hour = 0; hour < 6; hour++) {
      long calls = sink.exportCalls();
      ticker.awaitWorkerWaiting();
      ticker.advance(Duration.ofHours(1));
      await().atMost(WAIT).until(() -> sink.exportCalls() > calls);
    }
    pipeline.flush().get(60, TimeUnit.SECONDS); // completes: the backlog is held on disk
    assertThat(pipeline.stats().journal().backlog()).isEqualTo(600);
    assertThat(pipeline.stats().delivered()).isZero();

    sink.up();
    ticker.awaitWorkerWaiting();
    ticker.advance(Duration.ofHours(1));
    await().atMost(WAIT).until(() -> sink.distinctIds() == 600);
    assertThat(sink.duplicates()).isZero();
    Map<String, List<Integer>> order =
        sink.events().stream()
            .collect(
                Collectors.groupingBy(
                    UsageEvent::subject,
                    Collectors.mapping(
                        e -> Integer.parseInt(e.id().substring(1)), Collectors.toList())));
    for (List<Integer> perSubject : order.values()) {
      assertThat(perSubject).isSorted();
    }
    await().atMost(WAIT).until(() -> pipeline.stats().journal().backlog() == 0);
    assertThat(pipeline.stats().sinkHealthy()).isTrue();
  }

  @Test
  void retriesWaitOnTheTickerNotOnTheWallClock() {
    TestSink sink = TestSink.countingIds().down();
    UsagePipeline pipeline = start(journaled(sink).maxRetries(3));
    pipeline.submit(Events.chat("only"));
    await().atMost(WAIT).until(() -> sink.exportCalls() == 1);
    // The first retry is due 0.5–1 s of ticker time later; none has passed.
    ticker.awaitWorkerWaiting();
    await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> sink.exportCalls() == 1);
    ticker.advance(Duration.ofSeconds(1));
    await().atMost(WAIT).until(() -> sink.exportCalls() == 2);
    sink.up();
    ticker.awaitWorkerWaiting();
    ticker.advance(Duration.ofSeconds(2));
    await().atMost(WAIT).until(() -> sink.distinctIds() == 1);
    assertThat(pipeline.stats().sinkHealthy()).isTrue();
  }

  @Test
  void rejectedEventGoesToTheDeadLetterAndTheRestOfItsBatchIsDelivered() throws Exception {
    TestSink sink = TestSink.countingIds().reject(e -> e.id().equals("e7"));
    UsagePipeline pipeline = start(journaled(sink).batchSize(20));
    for (int i = 0; i < 20; i++) {
      pipeline.submit(Events.chat("e" + i));
    }
    pipeline.flush().get(60, TimeUnit.SECONDS);
    assertThat(sink.distinctIds()).isEqualTo(19);
    assertThat(sink.has("e7")).isFalse();
    assertThat(pipeline.stats().deadLettered()).isEqualTo(1);
    assertThat(Files.readString(dir.resolve("dead-letter.log"))).contains("e7");
    assertThat(pipeline.stats().journal().backlog()).isZero();
  }

  @Test
  void tornTailIsTruncatedAndCountedAndEverythingBeforeItDelivered() throws Exception {
    UsagePipeline first = start(journaled(TestSink.countingIds().down()).maxRetries(0));
    for (int i = 0; i < 10; i++) {
      first.submit(Events.chat("e" + i));
    }
    stop(first);
    Path segment = onlySegment();
    // An append killed after its body, before its length: length 0, bytes after it.
    int end = endOfRecords(segment);
    writeAt(segment, end + 4, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});

    TestSink up = TestSink.countingIds();
    UsagePipeline second = start(journaled(up));
    await().atMost(WAIT).until(() -> up.distinctIds() == 10);
    assertThat(second.stats().journal().torn()).isEqualTo(1);
    assertThat(second.stats().journal().recovered()).isEqualTo(10);
  }

  @Test
  void crcMismatchInTheMiddleOfASegmentIsQuarantinedCountedAndSkipped() throws Exception {
    UsagePipeline first = start(journaled(TestSink.countingIds().down()).maxRetries(0));
    for (int i = 0; i < 5; i++) {
      first.submit(Events.chat("e" + i));
    }
    stop(first);
    Path segment = onlySegment();
    int second = 64 + recordBytes(segment, 64);
    writeAt(segment, second + 8 + 20, new byte[] {(byte) 0xFF}); // a flipped byte in e1's body

    TestSink up = TestSink.countingIds();
    UsagePipeline next = start(journaled(up));
    await().atMost(WAIT).until(() -> up.distinctIds() == 4);
    assertThat(up.has("e1")).isFalse();
    PipelineStats stats = next.stats();
    assertThat(stats.journal().corrupt()).isEqualTo(1);
    assertThat(stats.journal().recovered()).isEqualTo(4);
    try (Stream<Path> files = Files.list(dir.resolve("journal").resolve("quarantine"))) {
      assertThat(files.count()).isEqualTo(1);
    }
  }

  @Test
  void atAFullCapRefusePolicyCountsEveryRefusedEvent() {
    UsagePipeline pipeline =
        start(
            journaled(TestSink.countingIds().down())
                .maxRetries(0)
                .journalSegmentBytes(4096)
                .journalMaxBytes(8192)
                .journalCapPolicy(JournalCapPolicy.REFUSE));
    for (int i = 0; i < 200; i++) {
      pipeline.submit(Events.chat("e" + i));
    }
    PipelineStats stats = pipeline.stats();
    long refused = stats.dropped().getOrDefault(DropReason.JOURNAL_REFUSED, 0L);
    assertThat(refused).isPositive();
    assertThat(stats.journal().refusedAtCap()).isEqualTo(refused);
    assertThat(stats.journal().appended() + refused).isEqualTo(200);
    assertThat(stats.journal().capPolicy()).isEqualTo(JournalCapPolicy.REFUSE);
    assertThat(stats.journal().maxBytes()).isEqualTo(8192);
  }

  @Test
  void atAFullCapWaitThenDropPolicyDropsCountedAfterTheWait() {
    UsagePipeline pipeline =
        start(
            journaled(TestSink.countingIds().down())
                .maxRetries(0)
                .journalSegmentBytes(4096)
                .journalMaxBytes(8192)
                .journalCapWait(Duration.ZERO));
    for (int i = 0; i < 200; i++) {
      pipeline.submit(Events.chat("e" + i));
    }
    PipelineStats stats = pipeline.stats();
    long dropped = stats.dropped().getOrDefault(DropReason.JOURNAL_CAP, 0L);
    assertThat(dropped).isPositive();
    assertThat(stats.journal().droppedAtCap()).isEqualTo(dropped);
    assertThat(stats.journal().appended() + dropped).isEqualTo(200);
  }

  @Test
  void missingDirectoryIsCreated() throws Exception {
    Path missing = dir.resolve("a").resolve("b");
    TestSink sink = TestSink.countingIds();
    UsagePipeline pipeline =
        start(journaled(sink).spoolDirectory(missing).journalDirectory(missing.resolve("j")));
    pipeline.submit(Events.chat("e"));
    pipeline.flush().get(60, TimeUnit.SECONDS);
    assertThat(sink.has("e")).isTrue();
    assertThat(missing.resolve("j").resolve("checkpoint")).exists();
  }

  @Test
  void directoryThatCannotBeCreatedFailsTheBuildNamingIt() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    assertThatThrownBy(
            () -> journaled(TestSink.countingIds()).journalDirectory(file.resolve("j")).build())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("not-a-directory");
  }

  @Test
  void eventsSubmittedAfterCloseGoToTheSpoolAndTheNextPipelineDeliversThem() {
    UsagePipeline first = start(journaled(TestSink.countingIds()));
    stop(first);
    first.submit(Events.chat("late"));
    assertThat(first.stats().spooled()).isEqualTo(1);

    TestSink sink = TestSink.countingIds();
    start(journaled(sink));
    await().atMost(WAIT).until(() -> sink.has("late"));
  }

  @Test
  void anEventTooLargeForAJournalSegmentGoesThroughTheSpoolAndIsDeliveredOnce() throws Exception {
    TestSink sink = TestSink.countingIds();
    UsagePipeline pipeline =
        start(journaled(sink).journalSegmentBytes(4096).journalMaxBytes(64 * 4096));
    UsageEvent large =
        Events.chat("large").toBuilder()
            .content(new ContentSummary(6_000, 0, "x".repeat(6_000), null))
            .build();
    pipeline.submit(Events.chat("small"));
    pipeline.submit(large);
    await().atMost(WAIT).until(() -> sink.has("large") && sink.has("small"));
    assertThat(pipeline.stats().spooled()).isEqualTo(1);
    pipeline.flush().get(60, TimeUnit.SECONDS);
    assertThat(sink.duplicates()).isZero();
    assertThat(pipeline.stats().spoolBytes()).isZero();
  }

  @Test
  void builderRejectsACapBelowTwoSegmentsNamingIt() {
    assertThatThrownBy(
            () ->
                journaled(TestSink.countingIds())
                    .journalSegmentBytes(4096)
                    .journalMaxBytes(4096)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("journalMaxBytes");
    assertThatThrownBy(() -> UsagePipeline.builder(TestSink.countingIds()).fsyncInterval(null))
        .hasMessageContaining("fsyncInterval");
  }

  private Path onlySegment() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("journal"))) {
      List<Path> segments =
          files.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
      assertThat(segments).isNotEmpty();
      return segments.get(0);
    }
  }

  private static int recordBytes(Path segment, int at) throws IOException {
    int length = intAt(segment, at);
    return (8 + length + 7) & ~7;
  }

  private static int endOfRecords(Path segment) throws IOException {
    int at = 64;
    while (true) {
      int length = intAt(segment, at);
      if (length <= 0) {
        return at;
      }
      at += (8 + length + 7) & ~7;
    }
  }

  private static int intAt(Path file, int at) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(b, at);
      return b.getInt(0);
    }
  }

  private static void writeAt(Path file, int at, byte[] bytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(bytes), at);
    }
  }
}
