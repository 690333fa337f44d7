package dev.tally.benchmarks;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of handing a finished event over on the request thread: {@link UsageTracker#track} and
 * {@link UsagePipeline#submit} in each {@link Durability} (memory queue, journal, journal with
 * group fsync), next to two baselines measured in the same run: {@link ArrayBlockingQueue#offer} of
 * the same event into a queue of the same capacity that a background thread drains, and a
 * Micrometer {@link Counter#increment()}.
 *
 * <p>One event is built once and reused, so the figures are the handoff alone; {@link
 * EventBuildBenchmark} measures building an event. The pipeline's sink completes at once and
 * discards.
 *
 * <p><b>Below saturation.</b> Both queues hold {@link #QUEUE_CAPACITY} events (2^25) and an
 * iteration lasts at most {@link #MAX_ITERATION_MILLIS} ms, so the producers would have to hand
 * over more than 67 million events a second (one per 14.9 ns, summed over all threads) to fill a
 * queue within one iteration even if its consumer took nothing. Before and after every iteration
 * the benchmark waits until both queues are empty, so every iteration starts empty and no consumer
 * carries a backlog into the next one. Every measured operation is therefore a real, successful
 * handoff: the pipeline never spills to its disk spool (and so never replays it), and the
 * baseline's offers never fail. Overload behaviour (spill to disk, replay) is covered by tests, not
 * measured here.
 *
 * <p>If a queue did fill anyway, the iteration prints an {@code [tally-bench] OVERFLOW} line to
 * stderr and the trial tear-down repeats it with the totals; the figures of such a run are not
 * handoff figures. Iterations longer than {@link #MAX_ITERATION_MILLIS} ms, or a queue that does
 * not drain in {@link #DRAIN_TIMEOUT}, print an {@code [tally-bench] WARNING} line.
 *
 * <p>Each benchmark method uses only the state it needs, so a fork that measures the pipeline has
 * no baseline drainer thread running, and the other way round.
 *
 * <p>Commands and how to read the figures: {@code docs/PERFORMANCE.md}, section "Core handoff".
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// Two 2^25-slot queues are 128 MiB of references each (compressed oops); give the fork room.
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class TrackHandoffBenchmark {

  /**
   * Same capacity for the pipeline queue and the baseline queue: large enough that no iteration of
   * at most {@link #MAX_ITERATION_MILLIS} ms can fill it (see the class comment).
   */
  static final int QUEUE_CAPACITY = 1 << 25;

  /**
   * The journal's cap in the journal modes: 8 GiB, above what one iteration can append (about 300
   * bytes per event); segments are freed as the worker delivers.
   */
  static final long JOURNAL_MAX_BYTES = 8L << 30;

  /** The longest warm-up or measurement iteration for which {@link #QUEUE_CAPACITY} is enough. */
  static final long MAX_ITERATION_MILLIS = 500;

  /**
   * The pipeline's default batch size; the baseline consumer drains in batches of the same size.
   */
  static final int BATCH_SIZE = 500;

  /** How long an iteration boundary waits for a consumer to empty its queue. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  /** The tracker and pipeline, shared by all benchmark threads as request threads share them. */
  @State(Scope.Benchmark)
  public static class Pipeline {
    /**
     * MEMORY: the in-memory queue. PROCESS: the journal (an append into a memory-mapped segment, no
     * fsync). MACHINE: the journal plus a group fsync every 100 ms.
     */
    @Param({"MEMORY", "PROCESS", "MACHINE"})
    public Durability durability;

    UsagePipeline pipeline;
    UsageTracker tracker;
    UsageEvent event;

    private DiscardingSink sink;
    private Path spoolDirectory;
    private long spooledBefore;
    private int largestBacklog;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
      checkIterationTime(params);
      spoolDirectory = Files.createTempDirectory("tally-bench-spool-");
      sink = new DiscardingSink();
      pipeline =
          UsagePipeline.builder(sink)
              .durability(durability)
              .queueCapacity(QUEUE_CAPACITY)
              .batchSize(BATCH_SIZE)
              .spoolDirectory(spoolDirectory)
              // Never reached below saturation; a refused event is counted and reported below.
              .journalMaxBytes(JOURNAL_MAX_BYTES)
              .journalCapPolicy(JournalCapPolicy.REFUSE)
              .build();
      tracker = UsageTracker.builder(pipeline).build();
      event = typicalEvent();
    }

    /** Every iteration starts with an empty queue. */
    @Setup(Level.Iteration)
    public void startEmpty() {
      awaitEmpty("pipeline", () -> pipeline.stats().queueSize());
    }

    /**
     * Reports an overflow (a spill to disk: this iteration did not measure a plain handoff), then
     * lets the worker empty the queue before the next iteration.
     */
    @TearDown(Level.Iteration)
    public void endIteration() {
      PipelineStats stats = pipeline.stats();
      largestBacklog = Math.max(largestBacklog, stats.queueSize());
      long spooled = stats.spooled() - spooledBefore;
      spooledBefore = stats.spooled();
      if (spooled > 0) {
        System.err.printf(
            "%n[tally-bench] OVERFLOW this iteration: pipeline spooled %d events to disk"
                + " (queue %d/%d)%n",
            spooled, stats.queueSize(), stats.queueCapacity());
      }
      awaitEmpty("pipeline", () -> pipeline.stats().queueSize());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      // Read before close: close() delivers what is still queued, so anything spooled by now
      // spilled during the run.
      PipelineStats running = pipeline.stats();
      pipeline.close();
      PipelineStats closed = pipeline.stats();
      System.err.printf(
          "%n[tally-bench] pipeline before close: accepted=%d delivered=%d spooled=%d dropped=%s"
              + " queued=%d/%d; largest backlog at an iteration's end %d (%.1f%% of capacity)%n"
              + "[tally-bench] pipeline after close:  accepted=%d delivered=%d spooled=%d"
              + " replayed=%d dropped=%s exportFailures=%d; sink discarded %d events%n",
          running.accepted(),
          running.delivered(),
          running.spooled(),
          running.dropped(),
          running.queueSize(),
          running.queueCapacity(),
          largestBacklog,
          100.0 * largestBacklog / QUEUE_CAPACITY,
          closed.accepted(),
          closed.delivered(),
          closed.spooled(),
          closed.replayed(),
          closed.dropped(),
          closed.exportFailures(),
          sink.discarded);
      if (durability != Durability.MEMORY) {
        System.err.printf(
            "[tally-bench] journal: appended=%d refusedAtCap=%d fsyncs=%d appendFailures=%d%n",
            running.journal().appended(),
            running.journal().refusedAtCap(),
            running.journal().fsyncs(),
            running.journal().appendFailures());
      }
      if (running.spooled() != 0 || closed.replayed() != 0 || !running.dropped().isEmpty()) {
        System.err.printf(
            "[tally-bench] OVERFLOW in this trial: pipeline spooled %d events to disk, replayed %d,"
                + " dropped %s. The figures of this trial include disk spill and are NOT handoff"
                + " figures.%n",
            running.spooled(), closed.replayed(), running.dropped());
      }
      deleteRecursively(spoolDirectory);
    }
  }

  /** The baseline queue and its drainer, shared by all benchmark threads. */
  @State(Scope.Benchmark)
  public static class BaselineQueue {
    ArrayBlockingQueue<UsageEvent> queue;
    UsageEvent event;

    /** Offers that found the queue full; touched only on that (cold) path. */
    final LongAdder rejectedOffers = new LongAdder();

    private QueueDrainer drainer;
    private long rejectedBefore;
    private int largestBacklog;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
      checkIterationTime(params);
      event = typicalEvent();
      queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
      drainer = new QueueDrainer(queue);
      drainer.start();
    }

    /** Every iteration starts with an empty queue. */
    @Setup(Level.Iteration)
    public void startEmpty() {
      awaitEmpty("baseline", queue::size);
    }

    /**
     * Reports an overflow (failed offers, cheaper than a real handoff: this iteration did not
     * measure one), then lets the drainer empty the queue before the next iteration.
     */
    @TearDown(Level.Iteration)
    public void endIteration() {
      largestBacklog = Math.max(largestBacklog, queue.size());
      long rejected = rejectedOffers.sum() - rejectedBefore;
      rejectedBefore = rejectedOffers.sum();
      if (rejected > 0) {
        System.err.printf(
            "%n[tally-bench] OVERFLOW this iteration: baseline queue rejected %d offers"
                + " (queue %d/%d)%n",
            rejected, queue.size(), QUEUE_CAPACITY);
      }
      awaitEmpty("baseline", queue::size);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      drainer.stop();
      long rejected = rejectedOffers.sum();
      System.err.printf(
          "%n[tally-bench] baseline queue: consumed=%d in %d batches, rejected offers=%d;"
              + " largest backlog at an iteration's end %d (%.1f%% of capacity %d)%n",
          drainer.consumed,
          drainer.batches,
          rejected,
          largestBacklog,
          100.0 * largestBacklog / QUEUE_CAPACITY,
          QUEUE_CAPACITY);
      if (rejected != 0) {
        System.err.printf(
            "[tally-bench] OVERFLOW in this trial: baseline queue rejected %d offers. The figures"
                + " of this trial include failed offers and are NOT handoff figures.%n",
            rejected);
      }
    }
  }

  /** The Micrometer counter baseline. */
  @State(Scope.Benchmark)
  public static class MicrometerCounter {
    Counter counter;
    private SimpleMeterRegistry registry;

    @Setup(Level.Trial)
    public void setUp() {
      registry = new SimpleMeterRegistry();
      counter =
          Counter.builder("tally.bench.events")
              .tag("operation", "chat")
              .tag("outcome", "success")
              .register(registry);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      registry.close();
    }
  }

  @Benchmark
  public void trackerTrack(Pipeline state) {
    state.tracker.track(state.event);
  }

  @Benchmark
  public void pipelineSubmit(Pipeline state) {
    state.pipeline.submit(state.event);
  }

  @Benchmark
  public void baselineArrayBlockingQueueOffer(BaselineQueue state, Blackhole blackhole) {
    boolean offered = state.queue.offer(state.event);
    if (!offered) {
      // A failed offer is much cheaper than a real handoff; count it so a run can be discounted.
      state.rejectedOffers.increment();
    }
    blackhole.consume(offered);
  }

  @Benchmark
  public void baselineMicrometerCounter(MicrometerCounter state) {
    state.counter.increment();
  }

  /** A finished chat call as a service would track it; content is lengths only (the default). */
  static UsageEvent typicalEvent() {
    return UsageEvent.builder("chat")
        .subject("user-4711")
        .sessionId("session-2f9c1e")
        .tenant("acme")
        .model("gpt-4o-mini")
        .provider("openai")
        .tokens(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(1_180)
                .cachedInput(1_024)
                .output(342)
                .build())
        .duration(Duration.ofMillis(1_640))
        .attribute("route", "/api/chat")
        .attribute("plan", "pro")
        .content(ContentSummary.lengths(412, 1_377))
        .build();
  }

  /**
   * Warns when an iteration is longer than the queue capacity was sized for: then a fast producer
   * could fill a queue within one iteration.
   */
  static void checkIterationTime(BenchmarkParams params) {
    long warmup = params.getWarmup().getTime().convertTo(TimeUnit.MILLISECONDS);
    long measurement = params.getMeasurement().getTime().convertTo(TimeUnit.MILLISECONDS);
    if (params.getMode() != Mode.SingleShotTime
        && Math.max(warmup, measurement) > MAX_ITERATION_MILLIS) {
      System.err.printf(
          "%n[tally-bench] WARNING iterations of %d ms (warm-up) / %d ms (measurement) are longer"
              + " than the %d ms the queue capacity %d is sized for; a queue may fill. Use more,"
              + " shorter iterations (-w 500ms -r 500ms).%n",
          warmup, measurement, MAX_ITERATION_MILLIS, QUEUE_CAPACITY);
    }
  }

  /**
   * Waits, outside the measured time, until a queue's consumer has emptied it; warns if it does not
   * within {@link #DRAIN_TIMEOUT}.
   */
  static void awaitEmpty(String what, IntSupplier queueSize) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    int size;
    while ((size = queueSize.getAsInt()) > 0) {
      if (System.nanoTime() - deadline > 0) {
        System.err.printf(
            "%n[tally-bench] WARNING %s queue still holds %d events after %s; the next iteration"
                + " starts with a backlog%n",
            what, size, DRAIN_TIMEOUT);
        return;
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Completes every batch at once and keeps nothing; only the worker thread calls it. */
  static final class DiscardingSink implements UsageSink {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    // Written by the pipeline worker only; read after close(), which waits for the worker.
    long discarded;

    @Override
    public CompletableFuture<Void> export(List<UsageEvent> batch) {
      discarded += batch.size();
      return DONE;
    }
  }

  /**
   * Drains the baseline queue the way the pipeline worker drains its own: wait for one event, take
   * up to a batch more into a reused list, drop them. Waiting (instead of spinning) keeps this
   * thread off the CPU while the queue is empty.
   */
  static final class QueueDrainer implements Runnable {
    private final ArrayBlockingQueue<UsageEvent> queue;
    private final Thread thread;
    private volatile boolean running = true;
    // Written by the drainer thread only; read after stop(), which joins it.
    long consumed;
    long batches;

    QueueDrainer(ArrayBlockingQueue<UsageEvent> queue) {
      this.queue = queue;
      this.thread = new Thread(this, "tally-bench-queue-drainer");
      this.thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Override
    public void run() {
      List<UsageEvent> batch = new ArrayList<>(BATCH_SIZE);
      while (running) {
        UsageEvent first;
        try {
          first = queue.poll(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (first == null) {
          continue;
        }
        batches++;
        batch.add(first);
        queue.drainTo(batch, BATCH_SIZE - 1);
        consumed += batch.size();
        batch.clear();
      }
    }
  }

  static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
