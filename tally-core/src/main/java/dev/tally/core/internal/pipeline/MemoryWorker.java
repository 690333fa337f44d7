package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory mode's worker thread: takes batches off the queue, delivers them (retry with backoff,
 * bisection of rejected batches to the dead letter), spools them when the sink is down, and replays
 * the spool once a probe succeeds. Backoff and probe times are read on the {@link Ticker}.
 */
final class MemoryWorker {
  private static final Logger log = LoggerFactory.getLogger(MemoryWorker.class);
  private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final MemoryPipeline pipeline;
  private final ArrayBlockingQueue<Object> queue;
  private final Spool spool;
  private final UsageSink sink;
  private final PipelineCounters counters;
  private final SinkHealth health;
  private final SinkExporter exporter;
  private final Ticker ticker;
  private final int batchSize;
  private final int maxRetries;
  private final long flushIntervalNanos;
  private final long exportTimeoutNanos;
  private final Consumer<UsageEvent> acceptObserver;
  private final Thread thread;
  private final FlushRequests flushes = new FlushRequests();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile long closeDeadlineNanos;
  private volatile boolean abandonedCallEnded;
  private long idleParkNanos = MIN_PARK_NANOS;
  private final Linger linger;

  MemoryWorker(MemoryPipeline pipeline, String threadName, String exporterThreadName) {
    this.pipeline = pipeline;
    this.queue = pipeline.queue;
    this.spool = pipeline.spool;
    PipelineSettings s = pipeline.settings;
    this.sink = s.sink();
    this.counters = pipeline.counters;
    this.health = pipeline.health;
    this.ticker = s.ticker();
    this.batchSize = s.batchSize();
    this.maxRetries = s.maxRetries();
    this.flushIntervalNanos = s.flushInterval().toNanos();
    this.linger = new Linger(batchSize);
    this.exportTimeoutNanos = s.exportTimeout().toNanos();
    this.acceptObserver = s.acceptObserver();
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
    this.exporter =
        new SinkExporter(
            sink,
            s.exportTimeout(),
            counters,
            s.exportObserver(),
            pipeline.failures,
            exporterThreadName,
            () -> {
              abandonedCallEnded = true;
              wake();
            });
  }

  void start() {
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  CompletableFuture<Void> terminated() {
    return terminated;
  }

  void startClosing(long deadlineNanos) {
    closeDeadlineNanos = deadlineNanos;
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  CompletableFuture<Void> flush() {
    CompletableFuture<Void> done = flushes.add(counters.accepted.sum(), terminated.isDone());
    wake();
    return done;
  }

  void observe(UsageEvent event) {
    try {
      acceptObserver.accept(event);
    } catch (RuntimeException e) {
      pipeline.failures.failure("accept-observer", "Tally: accept observer threw", e);
    }
  }

  private void observeAll(List<UsageEvent> events) {
    for (UsageEvent event : events) {
      observe(event);
    }
  }

  private boolean closing() {
    return pipeline.closing;
  }

  private void run() {
    try {
      while (!closing()) {
        if (abandonedCallEnded) {
          abandonedCallEnded = false;
          health.probeNow(); // the stalled call is over: probe at once
        }
        List<UsageEvent> batch = collectBatch();
        observeAll(batch);
        if (!batch.isEmpty()) {
          if (health.healthy() || (!spool.hasPending() && health.mayExport())) {
            deliver(batch, false);
          } else {
            pipeline.spoolBatch(batch, true);
          }
        }
        replaySome();
        completeFlushes();
      }
      drainOnClose();
    } catch (Throwable t) {
      log.error("Tally: pipeline worker failed; spooling what is left", t);
      spoolRemaining();
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
    } finally {
      finish();
    }
  }

  /**
   * Takes the next batch. The worker never blocks on the queue's condition: a consumer waiting
   * there would make every {@code offer} on a request thread pay for waking it (a futex call of
   * microseconds). It polls without blocking and parks when the queue is empty, backing off from
   * {@link #MIN_PARK_NANOS} to {@link #MAX_PARK_NANOS}; flush and close unpark it at once.
   */
  private List<UsageEvent> collectBatch() {
    List<Object> batch = new ArrayList<>(Math.min(batchSize, 1024));
    if (queue.drainTo(batch, batchSize) == 0) {
      boolean replayDue = spool.hasPending() && health.mayExport();
      if (replayDue || closing() || !flushes.isEmpty()) {
        return List.of();
      }
      park(idleParkNanos());
      idleParkNanos = Math.min(idleParkNanos * 2, MAX_PARK_NANOS);
      if (queue.drainTo(batch, batchSize) == 0) {
        return List.of();
      }
    }
    idleParkNanos = MIN_PARK_NANOS;
    // Linger for a fuller batch, looking again at the pace the arrival rate calls for (Linger):
    // events wait in the queue meanwhile, so waking more often would only burn CPU that request
    // threads need.
    long now = System.nanoTime();
    long deadline = now + flushIntervalNanos;
    linger.begin(now, batch.size());
    while (batch.size() < batchSize && !closing() && flushes.isEmpty()) {
      now = System.nanoTime();
      long remaining = deadline - now;
      if (remaining <= 0) {
        break;
      }
      if (queue.drainTo(batch, batchSize - batch.size()) == 0 || batch.size() < batchSize) {
        park(linger.step(now, batch.size(), remaining));
      }
    }
    linger.end(System.nanoTime(), batch.size());
    // Events submitted with submitLater are finished here, a batch at a time.
    return pipeline.finishAll(batch);
  }

  private long idleParkNanos() {
    long park = idleParkNanos;
    if (!health.healthy() && spool.hasPending()) {
      park = Math.min(park, health.nanosUntilProbe());
    }
    return Math.max(MIN_PARK_NANOS, park);
  }

  /** Exports, retrying transient failures; splits rejected batches; spools when retries run out. */
  private void deliver(List<UsageEvent> events, boolean fromSpool) {
    for (int attempt = 1; ; attempt++) {
      Throwable failure = exporter.export(events, closeBound());
      if (failure == null) {
        onDelivered(events.size(), fromSpool);
        return;
      }
      if (failure instanceof UsageRejectedException) {
        split(events, failure, fromSpool);
        return;
      }
      // A stalled sink is not retried: another attempt cannot start while the call hangs, and
      // waiting for it would hold up the worker and fill the queue.
      if (attempt > maxRetries
          || closing()
          || failure instanceof SinkExporter.StalledExportException) {
        health.failed(failure, "spooling " + events.size() + " events and later batches");
        pipeline.spoolBatch(events, !fromSpool);
        return;
      }
      pause(pipeline.backoff.nanos(attempt));
    }
  }

  private long closeBound() {
    return closing() ? closeDeadlineNanos - System.nanoTime() : Long.MAX_VALUE;
  }

  private void split(List<UsageEvent> events, Throwable rejection, boolean fromSpool) {
    if (events.size() == 1) {
      deadLetter(events.get(0), rejection, fromSpool);
      return;
    }
    int half = events.size() / 2;
    deliver(events.subList(0, half), fromSpool);
    deliver(events.subList(half, events.size()), fromSpool);
  }

  /**
   * Replays spooled batches while the sink is healthy (or a probe is due) and the queue is calm.
   */
  private void replaySome() throws IOException {
    for (int i = 0; i < 16 && spool.hasPending() && !closing(); i++) {
      if (!health.mayExport()) {
        return;
      }
      if (health.healthy() && queue.size() > queue.remainingCapacity()) {
        return; // live traffic first; the spool waits
      }
      Spool.Batch batch = spool.peek(batchSize);
      if (batch.events().isEmpty()) {
        return;
      }
      Throwable failure = exporter.export(batch.events(), Long.MAX_VALUE);
      if (failure == null) {
        spool.commit(batch);
        onDelivered(batch.events().size(), true);
        health.succeeded();
      } else if (failure instanceof UsageRejectedException) {
        spool.commit(batch);
        split(batch.events(), failure, true);
      } else {
        health.failed(failure, "spooling later batches");
        return;
      }
    }
  }

  private void drainOnClose() {
    List<Object> items = new ArrayList<>();
    while (true) {
      items.clear();
      queue.drainTo(items, batchSize);
      if (items.isEmpty()) {
        return;
      }
      List<UsageEvent> batch = pipeline.finishAll(items);
      observeAll(batch);
      if (health.healthy() && System.nanoTime() - closeDeadlineNanos < 0) {
        deliver(new ArrayList<>(batch), false);
      } else {
        pipeline.spoolBatch(batch, true);
      }
    }
  }

  private void spoolRemaining() {
    List<Object> items = new ArrayList<>();
    queue.drainTo(items);
    List<UsageEvent> rest = pipeline.finishAll(items);
    observeAll(rest);
    pipeline.spoolBatch(rest, true);
  }

  private void finish() {
    pipeline.closing = true;
    spoolRemaining();
    long remaining = Math.max(1, closeDeadlineNanos - System.nanoTime());
    awaitQuietly(SinkCalls.safely(sink, UsageSink::flush), remaining, "flush");
    awaitQuietly(
        SinkCalls.safely(sink, UsageSink::shutdown),
        Math.max(remaining, 1_000_000_000L),
        "shutdown");
    exporter.shutdown();
    try {
      spool.close();
    } catch (IOException e) {
      log.warn("Tally: could not close spool {}: {}", spool.directory(), e.toString());
    }
    flushes.completeAllNow();
    log.info(
        "Tally pipeline closed: accepted={} delivered={} spooled={} replayed={} deadLettered={}"
            + " dropped={} spoolBytes={}",
        counters.accepted.sum(),
        counters.delivered.sum(),
        counters.spooled.sum(),
        counters.replayed.sum(),
        counters.deadLettered.sum(),
        counters.droppedTotal(),
        spool.pendingBytes());
    terminated.complete(null);
  }

  private void awaitQuietly(CompletableFuture<Void> future, long nanos, String what) {
    try {
      future.get(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn(
          "Tally: sink {} {} failed: {}",
          sink.name(),
          what,
          String.valueOf(e.getCause() == null ? e : e.getCause()));
    }
  }

  private void onDelivered(int count, boolean fromSpool) {
    counters.delivered.add(count);
    if (fromSpool) {
      counters.replayed.add(count);
    }
  }

  private void deadLetter(UsageEvent event, Throwable rejection, boolean fromSpool) {
    try {
      pipeline.deadLetter.write(
          event, String.valueOf(rejection.getMessage()), pipeline.settings.clock().instant());
      counters.deadLettered.increment();
      if (fromSpool) {
        counters.deadLetteredFromSpool.increment();
      }
      pipeline.failures.failure(
          "dead-letter",
          "Tally: sink "
              + sink.name()
              + " rejected event "
              + event.id()
              + ": "
              + rejection.getMessage()
              + "; written to "
              + pipeline.deadLetter.path());
    } catch (IOException | RuntimeException e) {
      counters.drop(DropReason.DEAD_LETTER_FAILED, 1);
      if (fromSpool) {
        counters.spooled.decrement();
      }
      pipeline.failures.failure(
          "dead-letter-write", "Tally: could not write dead letter; event dropped", e);
    }
  }

  /**
   * Events accepted whose fate is settled: delivered live, spooled, dead-lettered live, dropped.
   */
  private long processed() {
    return counters.delivered.sum()
        - counters.replayed.sum()
        + counters.spooled.sum()
        + counters.deadLettered.sum()
        - counters.deadLetteredFromSpool.sum()
        + counters.droppedTotal();
  }

  private void completeFlushes() {
    flushes.completeReached(processed(), false, sink, exportTimeoutNanos);
  }

  /** Waits {@code nanos} on the ticker, checking every 10 ms at most; cut short by close. */
  private void pause(long nanos) {
    long deadline = ticker.nanos() + nanos;
    long remaining;
    while (!closing() && (remaining = deadline - ticker.nanos()) > 0) {
      park(Math.min(remaining, MAX_PARK_NANOS));
    }
  }

  private static void park(long nanos) {
    LockSupport.parkNanos(nanos);
  }
}
