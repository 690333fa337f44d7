package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.Backoff;
import dev.tally.core.internal.EventCodec;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.sink.UsageSink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal mode's worker thread: reads a batch from the journal (lingering up to the flush
 * interval for it to fill), delivers it through the {@link DeliveryPolicy}, and checkpoints once
 * every event of it is settled. While the sink is down the batch stays pending and the worker waits
 * for the next probe on the {@link Ticker}; the journal holds the backlog. On close it delivers
 * what it can until the shutdown timeout and leaves the rest in the journal for the next start.
 */
final class JournalWorker {
  private static final Logger log = LoggerFactory.getLogger(JournalWorker.class);
  private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final JournalPipeline pipeline;
  private final Journal journal;
  private final Spool spool;
  private final UsageSink sink;
  private final PipelineCounters counters;
  private final SinkHealth health;
  private final SinkExporter exporter;
  private final DeliveryPolicy delivery;
  private final Ticker ticker;
  private final int batchSize;
  private final long flushIntervalNanos;
  private final long exportTimeoutNanos;
  private final Consumer<UsageEvent> acceptObserver;
  private final Thread thread;
  private final FlushRequests flushes = new FlushRequests();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicLong settled = new AtomicLong();
  private final long recoveredRecords;

  private volatile long closeDeadlineNanos;
  private volatile boolean abandonedCallEnded;
  // Worker-thread state.
  private @Nullable PendingBatch pending;
  private long recordsRead;
  private long idleParkNanos = MIN_PARK_NANOS;
  private final Linger linger;

  JournalWorker(
      JournalPipeline pipeline,
      Backoff backoff,
      DeadLetterFile deadLetter,
      String threadName,
      String exporterThreadName) {
    this.pipeline = pipeline;
    this.journal = pipeline.journal;
    this.spool = pipeline.spool;
    PipelineSettings s = pipeline.settings;
    this.sink = s.sink();
    this.counters = pipeline.counters;
    this.health = pipeline.health;
    this.ticker = s.ticker();
    this.batchSize = s.batchSize();
    this.flushIntervalNanos = s.flushInterval().toNanos();
    this.linger = new Linger(batchSize);
    this.exportTimeoutNanos = s.exportTimeout().toNanos();
    this.acceptObserver = s.acceptObserver();
    this.recoveredRecords = journal.stats().recoveredRecords();
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
    this.delivery =
        new DeliveryPolicy(
            exporter,
            backoff,
            s.maxRetries(),
            health,
            deadLetter,
            counters,
            pipeline.failures,
            s.clock(),
            this::pause,
            () -> pipeline.closing);
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

  /** Journal records read and settled: delivered, dead-lettered or unreadable. */
  long settledRecords() {
    return settled.get();
  }

  void startClosing(long deadlineNanos) {
    closeDeadlineNanos = deadlineNanos;
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  CompletableFuture<Void> flush() {
    JournalStats j = journal.stats();
    CompletableFuture<Void> done =
        flushes.add(j.recoveredRecords() + j.appended(), terminated.isDone());
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

  // ---------------------------------------------------------------- the loop

  private void run() {
    try {
      while (!pipeline.closing) {
        if (abandonedCallEnded) {
          abandonedCallEnded = false;
          health.probeNow(); // the stalled call is over: probe at once
        }
        if (pending == null) {
          pending = gather();
        }
        if (pending != null) {
          if (health.mayExport()) {
            settle(delivery.deliver(pending, Long.MAX_VALUE));
          } else {
            completeFlushes();
            park(Math.min(MAX_PARK_NANOS, Math.max(MIN_PARK_NANOS, health.nanosUntilProbe())));
          }
        }
        if (health.healthy() && spool.hasPending()) {
          moveSpoolIntoJournal();
        }
        completeFlushes();
      }
      drainOnClose();
    } catch (Throwable t) {
      log.error("Tally: pipeline worker failed; undelivered events stay in the journal", t);
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
    } finally {
      finish();
    }
  }

  private void settle(boolean done) {
    PendingBatch batch = pending;
    if (!done || batch == null) {
      return;
    }
    checkpoint(batch.end);
    settled.addAndGet(batch.events.size() + unreadableInPending);
    unreadableInPending = 0;
    pending = null;
  }

  /**
   * Stores the checkpoint. If the file cannot be written, the worker goes on: the records were
   * delivered, and the next start delivers them again, which the store's ids make harmless.
   */
  private void checkpoint(JournalPosition end) {
    try {
      journal.checkpoint(end);
    } catch (IOException e) {
      pipeline.failures.failure(
          "journal-checkpoint",
          "Tally: could not write the journal checkpoint in "
              + journal.directory()
              + "; delivered events will be delivered again after a restart",
          e);
    }
  }

  private int unreadableInPending;

  /**
   * Reads up to a batch from the journal, lingering up to the flush interval for it to fill
   * (looking again at the pace {@link Linger} sets); null when there is nothing to deliver. Parks
   * (50 µs backing off to 10 ms) when the journal is empty; flush and close unpark it.
   */
  private @Nullable PendingBatch gather() {
    List<byte[]> records = new ArrayList<>();
    JournalPosition end = null;
    long deadline = 0;
    while (true) {
      JournalBatch read = journal.read(batchSize - records.size());
      if (!read.isEmpty()) {
        if (records.isEmpty()) {
          long now = System.nanoTime();
          deadline = now + flushIntervalNanos;
          linger.begin(now, read.records().size());
        }
        records.addAll(read.records());
        end = read.end();
      }
      if (records.isEmpty()) {
        if (pipeline.closing || !flushes.isEmpty()) {
          return null;
        }
        park(idleParkNanos);
        idleParkNanos = Math.min(idleParkNanos * 2, MAX_PARK_NANOS);
        if (abandonedCallEnded || (health.healthy() && spool.hasPending())) {
          return null;
        }
        continue;
      }
      idleParkNanos = MIN_PARK_NANOS;
      long now = System.nanoTime();
      long remaining = deadline - now;
      if (records.size() >= batchSize || pipeline.closing || !flushes.isEmpty() || remaining <= 0) {
        linger.end(now, records.size());
        break;
      }
      park(linger.step(now, records.size(), remaining));
    }
    return decode(records, end);
  }

  private @Nullable PendingBatch decode(List<byte[]> records, JournalPosition end) {
    List<UsageEvent> events = new ArrayList<>(records.size());
    int replayedPrefix = 0;
    int unreadable = 0;
    for (byte[] record : records) {
      boolean replayed = recordsRead++ < recoveredRecords;
      List<UsageEvent> decoded;
      try {
        decoded = EventCodec.decode(record, 0, record.length);
      } catch (IOException e) {
        unreadable++;
        counters.drop(DropReason.JOURNAL_UNREADABLE, 1);
        pipeline.failures.failure(
            "journal-unreadable",
            "Tally: a journal record passed its CRC but is not an event ("
                + e.getMessage()
                + "); skipped. Bytes (Base64): "
                + Base64.getEncoder().encodeToString(record));
        continue;
      }
      for (UsageEvent event : decoded) {
        if (replayed) {
          replayedPrefix = events.size() + 1;
        } else {
          observe(event);
        }
        events.add(event);
      }
    }
    if (events.isEmpty()) {
      checkpoint(end);
      settled.addAndGet(unreadable);
      return null;
    }
    unreadableInPending = unreadable;
    return new PendingBatch(events, end, replayedPrefix);
  }

  /**
   * Appends what the spool holds (events submitted after an earlier close, or whose append failed)
   * to the journal, a batch at a time. An event larger than a journal segment can hold is exported
   * directly instead. A crash between the append and the spool's commit appends them twice; the
   * store's ids make that harmless. Stops, leaving the spool as it is, at the cap, on an I/O error
   * (a full disk: tried again later) or when the sink refuses the direct export.
   */
  private void moveSpoolIntoJournal() throws IOException {
    Spool.Batch batch = spool.peek(batchSize);
    if (batch.events().isEmpty()) {
      return;
    }
    List<UsageEvent> tooLarge = new ArrayList<>();
    for (UsageEvent event : batch.events()) {
      try {
        if (!journal.append(EventCodec.encode(List.of(event)))) {
          return; // at the cap: the spool keeps them until there is room
        }
      } catch (IllegalArgumentException e) {
        tooLarge.add(event);
      } catch (IOException e) {
        pipeline.failures.failure(
            "journal-from-spool",
            "Tally: could not move spooled events into the journal; they stay in the spool",
            e);
        return;
      }
    }
    if (!tooLarge.isEmpty()
        && !delivery.deliver(
            new PendingBatch(tooLarge, journal.checkpointed(), 0), Long.MAX_VALUE)) {
      return;
    }
    spool.commit(batch);
  }

  private void drainOnClose() {
    while (System.nanoTime() - closeDeadlineNanos < 0 && health.healthy()) {
      if (pending == null) {
        pending = gather();
        if (pending == null) {
          return;
        }
      }
      long remaining = closeDeadlineNanos - System.nanoTime();
      settle(delivery.deliver(pending, remaining));
    }
  }

  private void finish() {
    flushes.completeAllNow();
    long remaining = Math.max(1, closeDeadlineNanos - System.nanoTime());
    awaitQuietly(SinkCalls.safely(sink, UsageSink::flush), remaining, "flush");
    awaitQuietly(
        SinkCalls.safely(sink, UsageSink::shutdown),
        Math.max(remaining, 1_000_000_000L),
        "shutdown");
    exporter.shutdown();
    JournalPipeline.closeQuietly(journal);
    JournalPipeline.closeQuietly(spool);
    flushes.completeAllNow();
    log.info(
        "Tally pipeline closed: accepted={} delivered={} replayed={} deadLettered={} dropped={}"
            + " left in journal={}",
        counters.accepted.sum(),
        counters.delivered.sum(),
        counters.replayed.sum(),
        counters.deadLettered.sum(),
        counters.droppedTotal(),
        pipeline.stats().journal().backlog());
    terminated.complete(null);
  }

  /**
   * Done when the records appended before the flush are settled, or wait in a down sink's backlog.
   */
  private void completeFlushes() {
    boolean idle = pending == null;
    flushes.completeReached(
        idle ? settled.get() : Long.MIN_VALUE, !health.healthy(), sink, exportTimeoutNanos);
  }

  /** Waits {@code nanos} on the ticker, checking every 10 ms at most; false if closing cut it. */
  private boolean pause(long nanos) {
    long deadline = ticker.nanos() + nanos;
    long remaining;
    while (!pipeline.closing && (remaining = deadline - ticker.nanos()) > 0) {
      park(Math.min(remaining, MAX_PARK_NANOS));
    }
    return !pipeline.closing;
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

  private static void park(long nanos) {
    LockSupport.parkNanos(nanos);
  }
}
