package dev.tally.core;

import dev.tally.core.internal.DeadLetterFile;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.internal.Spool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves usage events from the request thread to a {@link UsageSink} without blocking and without
 * losing any.
 *
 * <p>{@link #submit} puts the event on a bounded in-memory queue and returns. One daemon thread
 * ({@code tally-pipeline-worker-N}) takes events off in batches (up to {@code batchSize}, waiting
 * at most {@code flushInterval} to fill one) and exports them:
 *
 * <ul>
 *   <li>A failed export is retried with exponential backoff and full jitter. When the retries run
 *       out the batch goes to the local spool and the sink is marked unhealthy: later batches are
 *       spooled at once, and the oldest spooled batch is sent again as a probe after a growing
 *       pause. When a probe succeeds, the spool is replayed in order.
 *   <li>A {@link UsageRejectedException} means the batch holds bad data. The batch is split in
 *       halves until the bad event is alone; the good events are delivered and the bad one is
 *       written, with the reason, to {@code dead-letter.log} in the spool directory.
 *   <li>When the queue is full the {@link OverflowPolicy} decides: spill to the spool (default),
 *       block for a while and then spill, or drop and count.
 *   <li>The sink is called on a second daemon thread ({@code tally-pipeline-exporter-N}), which the
 *       worker abandons when an export runs past {@code exportTimeout}: the export is counted as
 *       timed out, its batch is spooled and the sink is marked unhealthy at once, so a stalled or
 *       hung store never parks the worker. No new export starts until the abandoned call has
 *       returned; the batch is then delivered from the spool (exactly once, by id).
 * </ul>
 *
 * <p>{@link #close()} runs once: it stops taking from the queue after {@code shutdownTimeout},
 * delivers what it can until then and spools the rest. Events submitted after close go straight to
 * the spool. A new pipeline on the same spool directory replays everything.
 *
 * <p>{@link #submit} never blocks (except under {@link OverflowPolicy#BLOCK}) and never throws.
 */
public final class UsagePipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UsagePipeline.class);
  private static final AtomicInteger WORKER_IDS = new AtomicInteger();
  private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long LINGER_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final java.util.function.Consumer<UsageEvent> NO_OBSERVER = e -> {};

  private final UsageSink sink;
  private final ArrayBlockingQueue<UsageEvent> queue;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final OverflowPolicy overflowPolicy;
  private final long blockTimeoutNanos;
  private final int maxRetries;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final long exportTimeoutNanos;
  private final Duration shutdownTimeout;
  private final Spool spool;
  private final DeadLetterFile deadLetter;
  private final ExportObserver observer;
  private final java.util.function.Consumer<UsageEvent> acceptObserver;
  private final Clock clock;
  private final OnceLogger failures = new OnceLogger(log);
  private final Thread worker;
  // The sink is called here, so that the worker can give up on an export that hangs.
  private final ExecutorService exporter;

  private final LongAdder accepted = new LongAdder();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong spooled = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong deadLetteredFromSpool = new AtomicLong();
  private final AtomicLong exportFailures = new AtomicLong();
  private final AtomicLong exportTimeouts = new AtomicLong();
  private final Map<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);

  private final ConcurrentLinkedQueue<FlushRequest> flushes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean closeStarted = new AtomicBoolean();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final Object wakeLock = new Object();
  private volatile boolean closing;
  private volatile long closeDeadlineNanos;
  private volatile boolean sinkHealthy = true;
  // Worker-thread state.
  private int probeAttempt;
  private long nextProbeNanos;
  private long idleParkNanos = MIN_PARK_NANOS;
  // A sink call that ran past exportTimeout and has not returned yet; no export starts meanwhile.
  private @Nullable CompletableFuture<?> abandonedCall;
  // Set by the abandoned call when it returns, so that a probe is due at once.
  private volatile boolean abandonedCallEnded;

  private UsagePipeline(Builder b) {
    this.sink = b.sink;
    this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
    this.batchSize = b.batchSize;
    this.flushIntervalNanos = b.flushInterval.toNanos();
    this.overflowPolicy = b.overflowPolicy;
    this.blockTimeoutNanos = b.blockTimeout.toNanos();
    this.maxRetries = b.maxRetries;
    this.initialBackoffNanos = b.initialBackoff.toNanos();
    this.maxBackoffNanos = b.maxBackoff.toNanos();
    this.exportTimeoutNanos = b.exportTimeout.toNanos();
    this.shutdownTimeout = b.shutdownTimeout;
    this.observer = b.exportObserver;
    this.acceptObserver = b.acceptObserver;
    this.clock = b.clock;
    for (DropReason reason : DropReason.values()) {
      dropped.put(reason, new LongAdder());
    }
    try {
      this.spool = new Spool(b.spoolDirectory, b.spoolSegmentBytes, b.spoolFsync);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open spool directory " + b.spoolDirectory, e);
    }
    this.deadLetter = new DeadLetterFile(b.spoolDirectory.resolve("dead-letter.log"));
    int id = WORKER_IDS.incrementAndGet();
    this.worker = new Thread(this::runWorker, "tally-pipeline-worker-" + id);
    this.worker.setDaemon(true);
    this.exporter =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread t = new Thread(task, "tally-pipeline-exporter-" + id);
              t.setDaemon(true);
              return t;
            });
    this.worker.start();
  }

  /** A builder for a pipeline that exports to {@code sink}. */
  public static Builder builder(UsageSink sink) {
    return new Builder(sink);
  }

  /**
   * Hands an event over and returns. Never throws; never blocks unless the overflow policy is
   * {@link OverflowPolicy#BLOCK}. A full queue spills to the spool, blocks or drops according to
   * the overflow policy; either way the event is counted.
   */
  public void submit(UsageEvent event) {
    if (event == null) {
      failures.failure("null-event", "Tally: a null usage event was submitted and ignored");
      return;
    }
    accepted.increment();
    if (closing) {
      spill(event);
      return;
    }
    if (queue.offer(event)) {
      // close() may have drained the queue for the last time between the check and the offer.
      if (closing && queue.remove(event)) {
        spill(event);
      }
      return;
    }
    switch (overflowPolicy) {
      case DROP -> {
        observe(event);
        dropped.get(DropReason.QUEUE_FULL).increment();
        failures.failure(
            "queue-full",
            "Tally: queue full (" + queue.size() + "), usage event dropped by policy");
      }
      case BLOCK -> {
        boolean queued;
        try {
          queued = queue.offer(event, blockTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          queued = false;
        }
        if (!queued || (closing && queue.remove(event))) {
          spill(event);
        }
      }
      default -> spill(event);
    }
  }

  /**
   * Completes when every event submitted before this call has been delivered, spooled,
   * dead-lettered or dropped, and the sink has flushed. Never completes exceptionally.
   */
  public CompletableFuture<Void> flush() {
    FlushRequest request = new FlushRequest(accepted.sum(), new CompletableFuture<>());
    if (terminated.isDone()) {
      request.done().complete(null);
      return request.done();
    }
    flushes.add(request);
    wake();
    return request.done();
  }

  /** The current counters. */
  public PipelineStats stats() {
    Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    dropped.forEach(
        (reason, count) -> {
          long n = count.sum();
          if (n > 0) {
            drops.put(reason, n);
          }
        });
    return new PipelineStats(
        accepted.sum(),
        delivered.get(),
        spooled.get(),
        replayed.get(),
        deadLettered.get(),
        drops,
        queue.size(),
        queue.size() + queue.remainingCapacity(),
        spool.pendingBytes(),
        spool.quarantinedRecords(),
        exportFailures.get(),
        exportTimeouts.get(),
        sinkHealthy);
  }

  /** The spool directory; it also holds {@code dead-letter.log} and {@code quarantine/}. */
  public Path spoolDirectory() {
    return spool.directory();
  }

  /** The sink this pipeline exports to. */
  public UsageSink sink() {
    return sink;
  }

  /**
   * Starts shutdown once and returns a future that completes when the worker has delivered or
   * spooled everything and the sink has shut down. Later calls return the same future.
   */
  public CompletableFuture<Void> shutdown() {
    if (closeStarted.compareAndSet(false, true)) {
      closeDeadlineNanos = System.nanoTime() + shutdownTimeout.toNanos();
      closing = true;
      wake();
    }
    return terminated;
  }

  /**
   * Shuts down and waits: at most the shutdown timeout for delivery, then as long as spooling the
   * rest takes. Runs once; later calls return at once.
   */
  @Override
  public void close() {
    CompletableFuture<Void> done = shutdown();
    if (Thread.currentThread() == worker) {
      return;
    }
    try {
      done.get(shutdownTimeout.toMillis() + 60_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("Tally: pipeline did not shut down cleanly: {}", e.toString());
    }
  }

  // ---------------------------------------------------------------- worker

  private void runWorker() {
    try {
      while (!closing) {
        if (abandonedCallEnded) {
          abandonedCallEnded = false;
          nextProbeNanos = System.nanoTime(); // the stalled call is over: probe at once
        }
        List<UsageEvent> batch = collectBatch();
        observeAll(batch);
        if (!batch.isEmpty()) {
          if (sinkHealthy || (!spool.hasPending() && System.nanoTime() >= nextProbeNanos)) {
            deliver(batch, false);
          } else {
            spoolBatch(batch, true);
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
    List<UsageEvent> batch = new ArrayList<>(Math.min(batchSize, 1024));
    if (queue.drainTo(batch, batchSize) == 0) {
      boolean replayDue =
          spool.hasPending() && (sinkHealthy || System.nanoTime() >= nextProbeNanos);
      if (replayDue || closing || !flushes.isEmpty()) {
        return batch;
      }
      park(idleParkNanos());
      idleParkNanos = Math.min(idleParkNanos * 2, MAX_PARK_NANOS);
      if (queue.drainTo(batch, batchSize) == 0) {
        return batch;
      }
    }
    idleParkNanos = MIN_PARK_NANOS;
    // Linger for a fuller batch, waking every LINGER_PARK_NANOS: events wait in the queue
    // meanwhile, so waking more often would only burn CPU that request threads need.
    long deadline = System.nanoTime() + flushIntervalNanos;
    while (batch.size() < batchSize && !closing && flushes.isEmpty()) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        break;
      }
      if (queue.drainTo(batch, batchSize - batch.size()) == 0 || batch.size() < batchSize) {
        park(Math.min(remaining, LINGER_PARK_NANOS));
      }
    }
    return batch;
  }

  private long idleParkNanos() {
    long park = idleParkNanos;
    if (!sinkHealthy && spool.hasPending()) {
      park = Math.min(park, nextProbeNanos - System.nanoTime());
    }
    return Math.max(MIN_PARK_NANOS, park);
  }

  private static void park(long nanos) {
    LockSupport.parkNanos(nanos);
  }

  /** Exports, retrying transient failures; splits rejected batches; spools when retries run out. */
  private void deliver(List<UsageEvent> events, boolean fromSpool) {
    for (int attempt = 1; ; attempt++) {
      Throwable failure = export(events);
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
      if (attempt > maxRetries || closing || failure instanceof StalledExportException) {
        markUnhealthy(failure, events.size());
        spoolBatch(events, !fromSpool);
        return;
      }
      pause(backoff(attempt));
    }
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
    for (int i = 0; i < 16 && spool.hasPending() && !closing; i++) {
      if (!sinkHealthy && System.nanoTime() < nextProbeNanos) {
        return;
      }
      if (sinkHealthy && queue.size() > queue.remainingCapacity()) {
        return; // live traffic first; the spool waits
      }
      Spool.Batch batch = spool.peek(batchSize);
      if (batch.events().isEmpty()) {
        return;
      }
      Throwable failure = export(batch.events());
      if (failure == null) {
        spool.commit(batch);
        onDelivered(batch.events().size(), true);
        if (!sinkHealthy) {
          log.info("Tally: sink {} is back; replaying the spool", sink.name());
        }
        sinkHealthy = true;
        probeAttempt = 0;
      } else if (failure instanceof UsageRejectedException) {
        spool.commit(batch);
        split(batch.events(), failure, true);
      } else {
        markUnhealthy(failure, batch.events().size());
        return;
      }
    }
  }

  private void drainOnClose() {
    List<UsageEvent> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      queue.drainTo(batch, batchSize);
      if (batch.isEmpty()) {
        return;
      }
      observeAll(batch);
      if (sinkHealthy && System.nanoTime() < closeDeadlineNanos) {
        deliver(new ArrayList<>(batch), false);
      } else {
        spoolBatch(batch, true);
      }
    }
  }

  private void spoolRemaining() {
    List<UsageEvent> rest = new ArrayList<>();
    queue.drainTo(rest);
    observeAll(rest);
    spoolBatch(rest, true);
  }

  private void finish() {
    closing = true;
    spoolRemaining();
    long remaining = Math.max(1, closeDeadlineNanos - System.nanoTime());
    awaitQuietly(UsageSinks.safely(sink, UsageSink::flush), remaining, "flush");
    awaitQuietly(
        UsageSinks.safely(sink, UsageSink::shutdown),
        Math.max(remaining, 1_000_000_000L),
        "shutdown");
    // No interrupt: an abandoned call may be inside I/O that an interrupt would break (a
    // FileChannel closes on interrupt); the daemon thread ends when the call returns.
    exporter.shutdown();
    try {
      spool.close();
    } catch (IOException e) {
      log.warn("Tally: could not close spool {}: {}", spool.directory(), e.toString());
    }
    FlushRequest request;
    while ((request = flushes.poll()) != null) {
      request.done().complete(null);
    }
    PipelineStats stats = stats();
    log.info(
        "Tally pipeline closed: accepted={} delivered={} spooled={} replayed={} deadLettered={}"
            + " dropped={} spoolBytes={}",
        stats.accepted(),
        stats.delivered(),
        stats.spooled(),
        stats.replayed(),
        stats.deadLettered(),
        stats.droppedTotal(),
        stats.spoolBytes());
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

  private @Nullable Throwable export(List<UsageEvent> events) {
    long start = System.nanoTime();
    if (abandonedCall != null) {
      if (!abandonedCall.isDone()) {
        // Not an attempt: the sink is not called. The batch waits in the spool.
        return new StalledExportException(
            "the previous export to sink "
                + sink.name()
                + " ran past the export timeout and has not returned yet");
      }
      abandonedCall = null;
    }
    List<UsageEvent> view = Collections.unmodifiableList(events);
    CompletableFuture<CompletableFuture<Void>> call;
    try {
      call =
          CompletableFuture.supplyAsync(
              () -> UsageSinks.safely(sink, s -> s.export(view)), exporter);
    } catch (RejectedExecutionException e) {
      call = CompletableFuture.completedFuture(CompletableFuture.failedFuture(e));
    }
    CompletableFuture<Void> result = call.thenCompose(f -> f);
    Throwable failure = null;
    long timeout = exportTimeoutNanos;
    if (closing) {
      timeout = Math.max(1_000_000L, Math.min(timeout, closeDeadlineNanos - start));
    }
    try {
      result.get(timeout, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      failure = e.getCause() == null ? e : e.getCause();
    } catch (TimeoutException e) {
      exportTimeouts.incrementAndGet();
      failure =
          new StalledExportException(
              "export of "
                  + events.size()
                  + " events did not complete in "
                  + Duration.ofNanos(timeout));
      if (!call.isDone()) {
        // The sink's own call hangs (a synchronous store stuck in I/O or a lock): leave it.
        abandonedCall = call;
        call.whenComplete(
            (ignored, error) -> {
              abandonedCallEnded = true;
              wake();
            });
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = e;
    } catch (RuntimeException e) {
      failure = e;
    }
    if (failure != null) {
      exportFailures.incrementAndGet();
      failures.failure(
          "export-" + failure.getClass().getName(),
          "Tally: sink "
              + sink.name()
              + " failed to export "
              + events.size()
              + " events: "
              + failure);
    }
    try {
      observer.onExport(events.size(), System.nanoTime() - start, failure);
    } catch (RuntimeException e) {
      failures.failure("observer", "Tally: export observer threw", e);
    }
    return failure;
  }

  private void onDelivered(int count, boolean fromSpool) {
    delivered.addAndGet(count);
    if (fromSpool) {
      replayed.addAndGet(count);
    }
  }

  private void markUnhealthy(Throwable failure, int count) {
    if (sinkHealthy) {
      log.warn(
          "Tally: sink {} is failing ({}); spooling {} events and later batches until it recovers",
          sink.name(),
          failure.toString(),
          count);
    }
    sinkHealthy = false;
    probeAttempt = Math.min(probeAttempt + 1, 30);
    nextProbeNanos = System.nanoTime() + backoff(probeAttempt);
  }

  private void spoolBatch(List<UsageEvent> events, boolean countAsSpooled) {
    if (events.isEmpty()) {
      return;
    }
    try {
      spool.append(events);
      if (countAsSpooled) {
        spooled.addAndGet(events.size());
      }
    } catch (IOException | RuntimeException e) {
      if (!countAsSpooled) {
        // They came from the spool and were already counted there; they are now lost.
        spooled.addAndGet(-events.size());
      }
      dropped.get(DropReason.SPOOL_FAILED).add(events.size());
      failures.failure("spool", "Tally: could not spool " + events.size() + " events; dropped", e);
    }
  }

  private void spill(UsageEvent event) {
    observe(event);
    spoolBatch(List.of(event), true);
  }

  private void observe(UsageEvent event) {
    if (acceptObserver == NO_OBSERVER) {
      return;
    }
    try {
      acceptObserver.accept(event);
    } catch (RuntimeException e) {
      failures.failure("accept-observer", "Tally: accept observer threw", e);
    }
  }

  private void observeAll(List<UsageEvent> events) {
    if (acceptObserver != NO_OBSERVER) {
      for (UsageEvent event : events) {
        observe(event);
      }
    }
  }

  private void deadLetter(UsageEvent event, Throwable rejection, boolean fromSpool) {
    try {
      deadLetter.write(event, String.valueOf(rejection.getMessage()), clock.instant());
      deadLettered.incrementAndGet();
      if (fromSpool) {
        deadLetteredFromSpool.incrementAndGet();
      }
      failures.failure(
          "dead-letter",
          "Tally: sink "
              + sink.name()
              + " rejected event "
              + event.id()
              + ": "
              + rejection.getMessage()
              + "; written to "
              + deadLetter.path());
    } catch (IOException | RuntimeException e) {
      dropped.get(DropReason.DEAD_LETTER_FAILED).increment();
      if (fromSpool) {
        spooled.decrementAndGet();
      }
      failures.failure("dead-letter-write", "Tally: could not write dead letter; event dropped", e);
    }
  }

  /**
   * Events accepted whose fate is settled: delivered live, spooled, dead-lettered live, dropped.
   */
  private long processed() {
    long drops = 0;
    for (LongAdder count : dropped.values()) {
      drops += count.sum();
    }
    return delivered.get()
        - replayed.get()
        + spooled.get()
        + deadLettered.get()
        - deadLetteredFromSpool.get()
        + drops;
  }

  private void completeFlushes() {
    if (flushes.isEmpty()) {
      return;
    }
    long done = processed();
    for (FlushRequest request : flushes) {
      if (done >= request.target() && flushes.remove(request)) {
        UsageSinks.safely(sink, UsageSink::flush)
            .orTimeout(exportTimeoutNanos, TimeUnit.NANOSECONDS)
            .whenComplete((ok, error) -> request.done().complete(null));
      }
    }
  }

  private long backoff(int attempt) {
    long base = initialBackoffNanos << Math.min(attempt - 1, 30);
    long capped = base <= 0 || base > maxBackoffNanos ? maxBackoffNanos : base;
    // Full jitter in [capped/2, capped]: retries of many instances spread out, yet never hammer.
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }

  private void pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    synchronized (wakeLock) {
      long remaining;
      while (!closing && (remaining = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(wakeLock, remaining);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void wake() {
    synchronized (wakeLock) {
      wakeLock.notifyAll();
    }
    LockSupport.unpark(worker);
  }

  private record FlushRequest(long target, CompletableFuture<Void> done) {}

  /** An export that ran past the export timeout, or could not start because one still hangs. */
  private static final class StalledExportException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    StalledExportException(String message) {
      super(message);
    }
  }

  /**
   * Builds a {@link UsagePipeline}. Every setter validates its value and names it in the error.
   *
   * <p>Defaults: queue 16,384 events; batches of 500; flush interval 20 ms; overflow {@link
   * OverflowPolicy#SPILL}; block timeout 10 ms; 3 retries from 100 ms backoff up to 30 s; export
   * timeout 10 s; shutdown timeout 10 s; spool in {@code ./tally-spool}, 64 MiB segments, no fsync
   * per record.
   */
  public static final class Builder {
    /**
     * How long an export may run before the sink counts as stalled: 10 s. A batch takes
     * milliseconds on a healthy store; one that takes ten seconds is waiting on a lock, a full disk
     * or a network that stopped answering.
     */
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);

    private final UsageSink sink;
    private int queueCapacity = 16_384;
    private int batchSize = 500;
    private Duration flushInterval = Duration.ofMillis(20);
    private OverflowPolicy overflowPolicy = OverflowPolicy.SPILL;
    private Duration blockTimeout = Duration.ofMillis(10);
    private int maxRetries = 3;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration exportTimeout = DEFAULT_EXPORT_TIMEOUT;
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private Path spoolDirectory = Path.of("tally-spool");
    private long spoolSegmentBytes = 64L * 1024 * 1024;
    private boolean spoolFsync;
    private ExportObserver exportObserver = ExportObserver.NONE;
    private java.util.function.Consumer<UsageEvent> acceptObserver = NO_OBSERVER;
    private Clock clock = Clock.systemUTC();

    private Builder(UsageSink sink) {
      this.sink = Objects.requireNonNull(sink, "sink must not be null");
    }

    public Builder queueCapacity(int capacity) {
      this.queueCapacity = positive("queueCapacity", capacity);
      return this;
    }

    public Builder batchSize(int size) {
      this.batchSize = positive("batchSize", size);
      return this;
    }

    /** The longest an event waits in the worker for its batch to fill. */
    public Builder flushInterval(Duration interval) {
      this.flushInterval = positive("flushInterval", interval);
      return this;
    }

    public Builder overflowPolicy(OverflowPolicy policy) {
      this.overflowPolicy = Objects.requireNonNull(policy, "overflowPolicy must not be null");
      return this;
    }

    /** How long {@link OverflowPolicy#BLOCK} waits for room before spilling. */
    public Builder blockTimeout(Duration timeout) {
      this.blockTimeout = positive("blockTimeout", timeout);
      return this;
    }

    /** Retries of a failed export before its batch is spooled. */
    public Builder maxRetries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("maxRetries must be >= 0, was " + retries);
      }
      this.maxRetries = retries;
      return this;
    }

    public Builder backoff(Duration initial, Duration max) {
      positive("initialBackoff", initial);
      positive("maxBackoff", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff must be >= initialBackoff " + initial + ", was " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * How long the worker waits for one export. An export that runs longer is counted in {@link
     * PipelineStats#exportTimeouts()}, its batch is spooled without further retries and the sink is
     * marked unhealthy; the sink's call, if it has not returned, is left to finish on the exporter
     * thread, and no other export starts until it has. Default {@link #DEFAULT_EXPORT_TIMEOUT}.
     */
    public Builder exportTimeout(Duration timeout) {
      this.exportTimeout = positive("exportTimeout", timeout);
      return this;
    }

    /** How long close() keeps delivering before it spools what is left. */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = positive("shutdownTimeout", timeout);
      return this;
    }

    /**
     * Where spooled batches, quarantined records and dead letters live. One pipeline per directory.
     */
    public Builder spoolDirectory(Path directory) {
      this.spoolDirectory = Objects.requireNonNull(directory, "spoolDirectory must not be null");
      return this;
    }

    public Builder spoolSegmentBytes(long bytes) {
      if (bytes < 4096) {
        throw new IllegalArgumentException("spoolSegmentBytes must be >= 4096, was " + bytes);
      }
      this.spoolSegmentBytes = bytes;
      return this;
    }

    /** Force every spool record to disk (survives power loss, costs a disk flush per record). */
    public Builder spoolFsync(boolean fsync) {
      this.spoolFsync = fsync;
      return this;
    }

    public Builder exportObserver(ExportObserver observer) {
      this.exportObserver = Objects.requireNonNull(observer, "exportObserver must not be null");
      return this;
    }

    /**
     * Told once about every accepted event of this process, whatever its fate — for example to
     * record usage metrics off the request thread. Called on the worker thread when the event
     * leaves the queue, or on the submitting thread when the event is spilled or dropped because
     * the queue was full. Replays of spooled events are not observed again. Must be quick; a throw
     * is logged and ignored.
     */
    public Builder acceptObserver(java.util.function.Consumer<UsageEvent> observer) {
      this.acceptObserver = Objects.requireNonNull(observer, "acceptObserver must not be null");
      return this;
    }

    /** The clock that stamps dead letters. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /** Opens the spool and starts the worker thread. */
    public UsagePipeline build() {
      return new UsagePipeline(this);
    }

    private static int positive(String name, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be > 0, was " + value);
      }
      return value;
    }

    private static Duration positive(String name, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, was " + value);
      }
      return value;
    }
  }
}
