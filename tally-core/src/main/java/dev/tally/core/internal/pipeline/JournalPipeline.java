package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.Backoff;
import dev.tally.core.internal.EventWriter;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.JournalCounts;
import dev.tally.core.pipeline.PipelineStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline with a journal ({@link Durability#PROCESS} or {@link Durability#MACHINE}).
 *
 * <p>{@link #submit} encodes the event into the calling thread's reused buffer ({@link
 * EventWriter}) and appends it to the {@link Journal}: once it returns the event survives {@code
 * kill -9}. The worker ({@link JournalWorker}) reads batches from the journal, delivers them
 * through the {@link DeliveryPolicy} and checkpoints after the sink committed. When the sink is
 * down nothing moves: the journal is the backlog. The spool takes only what the journal cannot: an
 * event submitted after close, or whose append failed (no segment could be allocated); the worker
 * moves spooled events into the journal when it can.
 */
public final class JournalPipeline implements PipelineEngine {
  private static final Logger log = LoggerFactory.getLogger(JournalPipeline.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  final PipelineSettings settings;
  final Journal journal;
  final Spool spool;
  final PipelineCounters counters = new PipelineCounters();
  final OnceLogger failures = new OnceLogger(log);
  final SinkHealth health;
  final JournalWorker worker;
  private final ThreadLocal<EventWriter> writers =
      ThreadLocal.withInitial(() -> new EventWriter(1024));
  private final AtomicBoolean closeStarted = new AtomicBoolean();
  volatile boolean closing;

  private JournalPipeline(PipelineSettings settings, Journal journal, Spool spool) {
    this.settings = settings;
    this.journal = journal;
    this.spool = spool;
    Backoff backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    this.health = new SinkHealth(settings.sink().name(), backoff, settings.ticker());
    int id = IDS.incrementAndGet();
    this.worker =
        new JournalWorker(
            this,
            backoff,
            new DeadLetterFile(settings.directory().resolve("dead-letter.log")),
            "tally-pipeline-worker-j" + id,
            "tally-pipeline-exporter-j" + id);
  }

  /**
   * Opens the directory, the spool and the journal (recovering what an earlier process left) and
   * starts the worker.
   *
   * @throws UncheckedIOException naming the directory when it cannot be created or used
   */
  public static JournalPipeline start(PipelineSettings settings) {
    Spool spool;
    try {
      Files.createDirectories(settings.directory());
      spool = new Spool(settings.directory(), settings.spoolSegmentBytes(), settings.spoolFsync());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open pipeline directory " + settings.directory().toAbsolutePath() + ": " + e, e);
    }
    Journal journal;
    try {
      journal =
          Journal.builder(settings.journalDirectory())
              .durability(settings.durability())
              .segmentBytes(settings.journalSegmentBytes())
              .maxBytes(settings.journalMaxBytes())
              .capPolicy(settings.journalCapPolicy())
              .capWait(settings.journalCapWait())
              .fsyncInterval(settings.fsyncInterval())
              .ticker(settings.ticker())
              .clock(settings.clock())
              .open();
    } catch (IOException e) {
      closeQuietly(spool);
      throw new UncheckedIOException(
          "cannot open journal directory "
              + settings.journalDirectory().toAbsolutePath()
              + ": "
              + e.getMessage(),
          e);
    }
    JournalPipeline pipeline = new JournalPipeline(settings, journal, spool);
    pipeline.worker.start();
    return pipeline;
  }

  @Override
  public void submitLater(Supplier<UsageEvent> event) {
    // The journal records finished events: finish it here, on the caller's thread.
    UsageEvent finished = Deferred.finish(event, counters, failures);
    if (finished == null) {
      counters.accepted.increment();
      return;
    }
    submit(finished);
  }

  @Override
  public void submit(UsageEvent event) {
    counters.accepted.increment();
    if (closing) {
      spill(event, "the pipeline is closed");
      return;
    }
    EventWriter writer = writers.get();
    int length = writer.writeRecord(event);
    boolean appended;
    try {
      appended = journal.append(writer.buffer(), 0, length);
    } catch (IOException | IllegalArgumentException e) {
      spill(event, e.getMessage());
      return;
    }
    if (!appended) {
      atCap(event);
    }
  }

  private void atCap(UsageEvent event) {
    boolean refuse = settings.journalCapPolicy() == JournalCapPolicy.REFUSE;
    counters.drop(refuse ? DropReason.JOURNAL_REFUSED : DropReason.JOURNAL_CAP, 1);
    worker.observe(event);
    failures.failure(
        "journal-cap",
        "Tally: journal "
            + journal.directory()
            + " is at its cap of "
            + settings.journalMaxBytes()
            + " bytes (sink down or slow); usage event "
            + (refuse ? "refused" : "dropped")
            + " by policy "
            + settings.journalCapPolicy());
  }

  /** Into the spool, for events the journal cannot take; moved into the journal later. */
  void spill(UsageEvent event, String why) {
    worker.observe(event);
    try {
      spool.append(List.of(event));
      counters.spooled.increment();
      failures.failure("journal-spill", "Tally: usage event spooled, not journaled: " + why);
    } catch (IOException | RuntimeException e) {
      counters.drop(DropReason.SPOOL_FAILED, 1);
      failures.failure(
          "spool", "Tally: could not journal (" + why + ") or spool a usage event; dropped", e);
    }
  }

  @Override
  public CompletableFuture<Void> flush() {
    return worker.flush();
  }

  @Override
  public PipelineStats stats() {
    JournalStats j = journal.stats();
    long backlog = Math.max(0, j.recoveredRecords() + j.appended() - worker.settledRecords());
    JournalCounts journalCounts =
        new JournalCounts(
            j.capPolicy(),
            j.maxBytes(),
            j.diskBytes(),
            backlog,
            j.appended(),
            j.recoveredRecords(),
            j.tornRecords(),
            j.corruptRecords(),
            j.droppedAtCap(),
            j.refusedAtCap(),
            j.appendFailures(),
            j.fsyncs(),
            j.diskBytes() + settings.journalSegmentBytes() > j.maxBytes());
    return new PipelineStats(
        counters.accepted.sum(),
        counters.delivered.sum(),
        counters.spooled.sum(),
        counters.replayed.sum(),
        counters.deadLettered.sum(),
        counters.droppedByReason(),
        (int) Math.min(Integer.MAX_VALUE, backlog),
        0,
        spool.pendingBytes(),
        spool.quarantinedRecords(),
        counters.exportFailures.sum(),
        counters.exportTimeouts.sum(),
        health.healthy(),
        settings.durability(),
        journalCounts);
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
    return settings.directory();
  }

  static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      log.warn("Tally: could not close {}: {}", closeable, e.toString());
    }
  }

  static void park(long nanos) {
    LockSupport.parkNanos(nanos);
  }
}
