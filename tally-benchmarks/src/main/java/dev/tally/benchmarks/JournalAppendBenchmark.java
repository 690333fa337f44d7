package dev.tally.benchmarks;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.EventCodec;
import dev.tally.core.internal.pipeline.Journal;
import dev.tally.core.internal.pipeline.JournalBatch;
import dev.tally.core.internal.pipeline.JournalStats;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the request thread pays to append one encoded event to the crash-safe journal, next to the
 * memory mode ({@link dev.tally.core.pipeline.UsagePipeline#submit}, as in {@link
 * TrackHandoffBenchmark}) and an {@link java.util.concurrent.ArrayBlockingQueue#offer} baseline, in
 * the same run.
 *
 * <ul>
 *   <li>{@code journalAppend}: {@link Journal#append} of a pre-encoded typical event ({@link
 *       EventCodec}, 206 bytes), the journal's own cost;
 *   <li>{@code journalEncodeAndAppend}: encoding the event as well, what {@code track()} will pay
 *       with the journal on;
 *   <li>{@code memoryPipelineSubmit}, {@code baselineArrayBlockingQueueOffer}: the memory mode and
 *       the JDK queue, with {@link TrackHandoffBenchmark}'s states (below saturation).
 * </ul>
 *
 * <p>A consumer thread reads the journal in batches of 500 and checkpoints each, as the pipeline
 * worker will after its sink commits, so delivered segments are deleted. Segments are the default
 * 16 MiB, preallocated one ahead by the journal's allocator thread; the cap (8 GiB, {@code REFUSE})
 * is far above what one iteration writes, and every iteration starts with the consumer caught up.
 * An append refused at the cap prints {@code [tally-bench] OVERFLOW}: such a run is not a figure.
 *
 * <p>Commands and figures: {@code docs/PERFORMANCE.md}, section "Journal".
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class JournalAppendBenchmark {

  /** The journal and its consumer, shared by all benchmark threads as request threads share it. */
  @State(Scope.Benchmark)
  public static class JournalState {
    @Param({"PROCESS", "MACHINE"})
    public Durability durability;

    Journal journal;
    UsageEvent event;
    byte[] record;

    private Path directory;
    private Thread consumer;
    private volatile boolean running = true;
    private volatile long consumed;
    private long refusedBefore;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      directory = Files.createTempDirectory("tally-bench-journal-");
      journal =
          Journal.builder(directory)
              .durability(durability)
              .maxBytes(8L << 30)
              .capPolicy(JournalCapPolicy.REFUSE)
              .open();
      event = TrackHandoffBenchmark.typicalEvent();
      record = EventCodec.encode(List.of(event));
      consumer = new Thread(this::consume, "tally-bench-journal-consumer");
      consumer.setDaemon(true);
      consumer.start();
    }

    private void consume() {
      long park = 50_000;
      while (running) {
        JournalBatch batch = journal.read(500);
        if (batch.isEmpty()) {
          LockSupport.parkNanos(park);
          park = Math.min(park * 2, 10_000_000);
          continue;
        }
        park = 50_000;
        try {
          journal.checkpoint(batch.end());
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        consumed += batch.size();
      }
    }

    @Setup(Level.Iteration)
    public void startCaughtUp() {
      TrackHandoffBenchmark.awaitEmpty(
          "journal",
          () -> (int) Math.min(Integer.MAX_VALUE, journal.stats().appended() - consumed));
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
      JournalStats stats = journal.stats();
      long refused = stats.refusedAtCap() - refusedBefore;
      refusedBefore = stats.refusedAtCap();
      if (refused > 0 || stats.appendFailures() > 0) {
        System.err.printf(
            "%n[tally-bench] OVERFLOW this iteration: journal refused %d appends at the cap"
                + " (%d failures)%n",
            refused, stats.appendFailures());
      }
      startCaughtUp();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
      running = false;
      consumer.join(10_000);
      JournalStats stats = journal.stats();
      System.err.printf(
          "%n[tally-bench] journal %s: appended=%d consumed=%d segments deleted=%d fsyncs=%d"
              + " refused=%d failures=%d record=%d bytes%n",
          durability,
          stats.appended(),
          consumed,
          stats.deletedSegments(),
          stats.fsyncs(),
          stats.refusedAtCap(),
          stats.appendFailures(),
          record.length);
      journal.close();
      TrackHandoffBenchmark.deleteRecursively(directory);
    }
  }

  @Benchmark
  public boolean journalAppend(JournalState state) throws IOException {
    return state.journal.append(state.record);
  }

  @Benchmark
  public boolean journalEncodeAndAppend(JournalState state) throws IOException {
    return state.journal.append(EventCodec.encode(List.of(state.event)));
  }

  @Benchmark
  public void memoryPipelineSubmit(TrackHandoffBenchmark.Pipeline state) {
    state.pipeline.submit(state.event);
  }

  @Benchmark
  public void baselineArrayBlockingQueueOffer(
      TrackHandoffBenchmark.BaselineQueue state, Blackhole blackhole) {
    boolean offered = state.queue.offer(state.event);
    if (!offered) {
      state.rejectedOffers.increment();
    }
    blackhole.consume(offered);
  }
}
