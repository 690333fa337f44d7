package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.Backoff;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCounts;
import dev.tally.core.pipeline.OverflowPolicy;
import dev.tally.core.pipeline.PipelineStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline without a journal ({@link Durability#MEMORY}): a bounded in-memory queue, spilled to
 * the spool when full (per the {@link OverflowPolicy}) and when the sink is down. The worker
 * ({@link MemoryWorker}) batches, delivers, spools and replays.
 */
public final class MemoryPipeline implements PipelineEngine {
  private static final Logger log = LoggerFactory.getLogger(MemoryPipeline.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  final PipelineSettings settings;

  /** Events, and suppliers of events submitted with submitLater (finished by the worker). */
  final ArrayBlockingQueue<Object> queue;

  final Spool spool;
  final DeadLetterFile deadLetter;
  final PipelineCounters counters = new PipelineCounters();
  final OnceLogger failures = new OnceLogger(log);
  final SinkHealth health;
  final Backoff backoff;
  final MemoryWorker worker;
  private final AtomicBoolean closeStarted = new AtomicBoolean();
  volatile boolean closing;

  private MemoryPipeline(PipelineSettings settings) {
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    try {
      this.spool =
          new Spool(settings.directory(), settings.spoolSegmentBytes(), settings.spoolFsync());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open spool directory " + settings.directory().toAbsolutePath(), e);
    }
    this.deadLetter = new DeadLetterFile(settings.directory().resolve("dead-letter.log"));
    this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    this.health = new SinkHealth(settings.sink().name(), backoff, settings.ticker());
    int id = IDS.incrementAndGet();
    this.worker =
        new MemoryWorker(this, "tally-pipeline-worker-" + id, "tally-pipeline-exporter-" + id);
  }

  /**
   * Opens the spool and starts the worker.
   *
   * @throws UncheckedIOException naming the directory when the spool cannot be opened
   */
  public static MemoryPipeline start(PipelineSettings settings) {
    MemoryPipeline pipeline = new MemoryPipeline(settings);
    pipeline.worker.start();
    return pipeline;
  }

  @Override
  public void submit(UsageEvent event) {
    enqueue(event);
  }

  @Override
  public void submitLater(Supplier<UsageEvent> event) {
    enqueue(event);
  }

  /** Queues an event or a supplier of one; finishes it here only when it cannot be queued. */
  private void enqueue(Object item) {
    counters.accepted.increment();
    if (closing) {
      spill(item);
      return;
    }
    if (queue.offer(item)) {
      // close() may have drained the queue for the last time between the check and the offer.
      if (closing && queue.remove(item)) {
        spill(item);
      }
      return;
    }
    switch (settings.overflowPolicy()) {
      case DROP -> {
        UsageEvent event = finish(item);
        if (event != null) {
          worker.observe(event);
          counters.drop(DropReason.QUEUE_FULL, 1);
          failures.failure(
              "queue-full",
              "Tally: queue full (" + queue.size() + "), usage event dropped by policy");
        }
      }
      case BLOCK -> {
        boolean queued;
        try {
          queued = queue.offer(item, settings.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          queued = false;
        }
        if (!queued || (closing && queue.remove(item))) {
          spill(item);
        }
      }
      default -> spill(item);
    }
  }

  /** The event behind a queued item (see {@link Deferred#finish}); null when it was dropped. */
  @Nullable UsageEvent finish(Object item) {
    return Deferred.finish(item, counters, failures);
  }

  /** Finishes the queued items, in order, leaving out those that could not be finished. */
  List<UsageEvent> finishAll(List<Object> items) {
    List<UsageEvent> events = new ArrayList<>(items.size());
    for (Object item : items) {
      UsageEvent event = finish(item);
      if (event != null) {
        events.add(event);
      }
    }
    return events;
  }

  private void spill(Object item) {
    UsageEvent event = finish(item);
    if (event == null) {
      return;
    }
    worker.observe(event);
    spoolBatch(List.of(event), true);
  }

  /** Appends to the spool; {@code countAsSpooled} false for events that came from it. */
  void spoolBatch(List<UsageEvent> events, boolean countAsSpooled) {
    if (events.isEmpty()) {
      return;
    }
    try {
      spool.append(events);
      if (countAsSpooled) {
        counters.spooled.add(events.size());
      }
    } catch (IOException | RuntimeException e) {
      if (!countAsSpooled) {
        // They came from the spool and were already counted there; they are now lost.
        counters.spooled.add(-events.size());
      }
      counters.drop(DropReason.SPOOL_FAILED, events.size());
      failures.failure("spool", "Tally: could not spool " + events.size() + " events; dropped", e);
    }
  }

  @Override
  public CompletableFuture<Void> flush() {
    return worker.flush();
  }

  @Override
  public PipelineStats stats() {
    return new PipelineStats(
        counters.accepted.sum(),
        counters.delivered.sum(),
        counters.spooled.sum(),
        counters.replayed.sum(),
        counters.deadLettered.sum(),
        counters.droppedByReason(),
        queue.size(),
        queue.size() + queue.remainingCapacity(),
        spool.pendingBytes(),
        spool.quarantinedRecords(),
        counters.exportFailures.sum(),
        counters.exportTimeouts.sum(),
        health.healthy(),
        Durability.MEMORY,
        JournalCounts.NONE);
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    if (closeStarted.compareAndSet(false, true)) {
      worker.startClosing(System.nanoTime() + settings.shutdownTimeout().toNanos());
      closing = true;
      worker.wake();
    }
    return worker.terminated();
  }

  @Override
  public Thread worker() {
    return worker.thread();
  }

  @Override
  public Path directory() {
    return spool.directory();
  }
}
