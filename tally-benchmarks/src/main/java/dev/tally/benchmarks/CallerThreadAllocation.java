package dev.tally.benchmarks;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Bytes allocated <em>on the calling thread</em> per {@link UsageTracker#track} call, which JMH's
 * {@code gc.alloc.rate.norm} cannot give: that figure divides the allocation of all threads
 * (including the pipeline worker's per-batch lists) by the operation count.
 *
 * <p>Reads {@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()} before and
 * after {@value #CALLS} calls on one thread, after a warm-up that lets the JIT compile the loop.
 * The event is built once and reused, exactly as in {@link TrackHandoffBenchmark}, so the figure is
 * the handoff's own allocation. The pipeline's queue ({@value #QUEUE_CAPACITY} slots) holds more
 * than one round of calls, so no call can spill to the disk spool, and each round starts with an
 * empty queue. Alongside it prints the same figure for {@link UsagePipeline#submit}, for {@link
 * ArrayBlockingQueue#offer} (expected 0), for a positive control that allocates one 16-byte object
 * per call (to show the method sees allocation), and the pipeline worker thread's bytes per event.
 *
 * <p>Run: {@code java -Xms1g -Xmx1g -cp tally-benchmarks/target/benchmarks.jar
 * dev.tally.benchmarks.CallerThreadAllocation}. It prints {@code [tally-bench] OVERFLOW} if the
 * pipeline spooled anything, which would make the figures meaningless.
 */
public final class CallerThreadAllocation {

  /** Calls per round; {@code -Dtally.calls=N} to change (the journal modes take longer). */
  static final int CALLS = Integer.getInteger("tally.calls", 10_000_000);

  /** The pipeline's durability: {@code -Dtally.durability=PROCESS} measures the journal. */
  static final Durability DURABILITY =
      Durability.valueOf(System.getProperty("tally.durability", "MEMORY"));

  static final int QUEUE_CAPACITY = 1 << 24;
  static final int WARMUP_ROUNDS = 5;
  static final int ROUNDS = 3;

  /** Written by the positive control so its allocation cannot be optimised away. */
  static volatile Object sink;

  private CallerThreadAllocation() {}

  public static void main(String[] args) throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    if (!threads.isThreadAllocatedMemorySupported()) {
      System.err.println("[tally-bench] thread allocation accounting is not supported here");
      System.exit(2);
    }
    threads.setThreadAllocatedMemoryEnabled(true);

    Path spool = Files.createTempDirectory("tally-alloc-spool-");
    TrackHandoffBenchmark.DiscardingSink discarding = new TrackHandoffBenchmark.DiscardingSink();
    UsagePipeline pipeline =
        UsagePipeline.builder(discarding)
            .durability(DURABILITY)
            .journalMaxBytes(TrackHandoffBenchmark.JOURNAL_MAX_BYTES)
            .queueCapacity(QUEUE_CAPACITY)
            .batchSize(TrackHandoffBenchmark.BATCH_SIZE)
            .spoolDirectory(spool)
            .build();
    UsageTracker tracker = UsageTracker.builder(pipeline).build();
    UsageEvent event = TrackHandoffBenchmark.typicalEvent();
    ArrayBlockingQueue<UsageEvent> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    TrackHandoffBenchmark.QueueDrainer drainer = new TrackHandoffBenchmark.QueueDrainer(queue);
    drainer.start();
    Thread worker = findThread("tally-pipeline-worker-");

    System.out.printf(
        "Caller-thread allocation, durability %s, %,d calls per round, %d warm-up rounds, %d"
            + " measured rounds, %s%n",
        DURABILITY, CALLS, WARMUP_ROUNDS, ROUNDS, System.getProperty("java.vm.version"));
    try {
      long overhead = measurementOverhead(threads);
      System.out.printf(
          "getCurrentThreadAllocatedBytes overhead: %d bytes per reading%n", overhead);

      String[] names = {
        "UsageTracker.track",
        "UsagePipeline.submit",
        "ArrayBlockingQueue.offer",
        "control: new Object"
      };
      for (int subject = 0; subject < names.length; subject++) {
        for (int round = 0; round < WARMUP_ROUNDS; round++) {
          run(subject, tracker, pipeline, queue, event, CALLS);
          awaitEmpty(pipeline, queue);
        }
        for (int round = 1; round <= ROUNDS; round++) {
          long workerBefore = threads.getThreadAllocatedBytes(worker.getId());
          long before = threads.getCurrentThreadAllocatedBytes();
          run(subject, tracker, pipeline, queue, event, CALLS);
          long after = threads.getCurrentThreadAllocatedBytes();
          awaitEmpty(pipeline, queue);
          long workerAfter = threads.getThreadAllocatedBytes(worker.getId());
          long bytes = after - before - overhead;
          String workerFigure =
              subject < 2
                  ? String.format(
                      "; pipeline worker thread %.3f bytes per event",
                      (double) (workerAfter - workerBefore) / CALLS)
                  : "";
          System.out.printf(
              "%-26s round %d: caller thread %,d bytes in %,d calls = %.4f bytes per call%s%n",
              names[subject], round, bytes, CALLS, (double) bytes / CALLS, workerFigure);
        }
      }
    } finally {
      PipelineStats running = pipeline.stats();
      pipeline.close();
      drainer.stop();
      System.out.printf(
          "pipeline: accepted=%d delivered=%d spooled=%d replayed=%d dropped=%s;"
              + " baseline queue consumed=%d%n",
          running.accepted(),
          pipeline.stats().delivered(),
          running.spooled(),
          pipeline.stats().replayed(),
          running.dropped(),
          drainer.consumed);
      if (running.spooled() != 0 || !running.dropped().isEmpty()) {
        System.out.printf(
            "[tally-bench] OVERFLOW: pipeline spooled %d events (dropped %s); the figures above"
                + " include spill to disk and are NOT handoff figures%n",
            running.spooled(), running.dropped());
      }
      TrackHandoffBenchmark.deleteRecursively(spool);
    }
  }

  /** One loop per subject, each its own method call so the JIT compiles it as a whole. */
  private static void run(
      int subject,
      UsageTracker tracker,
      UsagePipeline pipeline,
      ArrayBlockingQueue<UsageEvent> queue,
      UsageEvent event,
      int calls) {
    switch (subject) {
      case 0 -> track(tracker, event, calls);
      case 1 -> submit(pipeline, event, calls);
      case 2 -> offer(queue, event, calls);
      default -> allocate(calls);
    }
  }

  private static void track(UsageTracker tracker, UsageEvent event, int calls) {
    for (int i = 0; i < calls; i++) {
      tracker.track(event);
    }
  }

  private static void submit(UsagePipeline pipeline, UsageEvent event, int calls) {
    for (int i = 0; i < calls; i++) {
      pipeline.submit(event);
    }
  }

  private static void offer(ArrayBlockingQueue<UsageEvent> queue, UsageEvent event, int calls) {
    int rejected = 0;
    for (int i = 0; i < calls; i++) {
      if (!queue.offer(event)) {
        rejected++;
      }
    }
    if (rejected > 0) {
      System.out.printf("[tally-bench] OVERFLOW: baseline queue rejected %d offers%n", rejected);
    }
  }

  private static void allocate(int calls) {
    for (int i = 0; i < calls; i++) {
      sink = new Object();
    }
  }

  /** What two back-to-back readings differ by, with nothing in between (the smallest of many). */
  private static long measurementOverhead(com.sun.management.ThreadMXBean threads) {
    long smallest = Long.MAX_VALUE;
    for (int i = 0; i < 100_000; i++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      long after = threads.getCurrentThreadAllocatedBytes();
      smallest = Math.min(smallest, after - before);
    }
    return smallest;
  }

  private static void awaitEmpty(UsagePipeline pipeline, ArrayBlockingQueue<UsageEvent> queue)
      throws Exception {
    TrackHandoffBenchmark.awaitEmpty("pipeline", () -> pipeline.stats().queueSize());
    TrackHandoffBenchmark.awaitEmpty("baseline", queue::size);
    // Let the worker finish and export the batch it holds, so its allocation is counted.
    pipeline.flush().get(30, TimeUnit.SECONDS);
  }

  private static Thread findThread(String namePrefix) {
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith(namePrefix)) {
        return thread;
      }
    }
    throw new IllegalStateException("no thread named " + namePrefix + "*");
  }
}
