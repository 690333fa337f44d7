package dev.tally.core.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.internal.pipeline.JournalBuilder;
import dev.tally.core.internal.pipeline.JournalPipeline;
import dev.tally.core.internal.pipeline.MemoryPipeline;
import dev.tally.core.internal.pipeline.PipelineEngine;
import dev.tally.core.internal.pipeline.PipelineSettings;
import dev.tally.core.internal.pipeline.Ticker;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves usage events from the request thread to a {@link UsageSink} without blocking and without
 * losing any. Build one with {@link #builder(UsageSink)}; the rules are in {@code
 * docs/PIPELINE.md}.
 *
 * <p>What {@link #submit} does depends on the {@link Durability}:
 *
 * <ul>
 *   <li>{@link Durability#MEMORY} (the default): the event goes on a bounded in-memory queue. When
 *       the queue is full the {@link OverflowPolicy} decides (spill to the spool, block a while, or
 *       drop counted). A {@code kill -9} loses what is queued.
 *   <li>{@link Durability#PROCESS}: the event is appended to a memory-mapped journal before submit
 *       returns, so it survives {@code kill -9}. {@link Durability#MACHINE} adds a group fsync
 *       every fsync interval. At the journal's size cap the {@link JournalCapPolicy} decides.
 * </ul>
 *
 * <p>One daemon thread ({@code tally-pipeline-worker-N}) exports batches (up to {@code batchSize},
 * waiting at most {@code flushInterval} to fill one) on a second one ({@code
 * tally-pipeline-exporter-N}) that it abandons after {@code exportTimeout}. A failed export is
 * retried with exponential backoff and jitter; a {@link UsageRejectedException} splits the batch
 * down to the bad event, which goes to {@code dead-letter.log}; when the retries run out the sink
 * is marked unhealthy and probed after a growing pause. Meanwhile the backlog waits on disk: in the
 * spool (memory mode) or in the journal, whose checkpoint only advances after the sink has
 * committed. A new pipeline on the same directory delivers everything left, exactly once by id.
 *
 * <p>{@link #submit} never throws and never blocks (except under {@link OverflowPolicy#BLOCK} or at
 * a full journal with {@link JournalCapPolicy#WAIT_THEN_DROP}, for at most the cap wait). {@link
 * #close()} runs once.
 */
public final class UsagePipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UsagePipeline.class);

  /** Events the memory mode's queue holds: 16,384. */
  public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

  /** Events per export: 500. */
  public static final int DEFAULT_BATCH_SIZE = 500;

  /** The longest an event waits in the worker for its batch to fill: 20 ms. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(20);

  public static final OverflowPolicy DEFAULT_OVERFLOW_POLICY = OverflowPolicy.SPILL;

  /** How long {@link OverflowPolicy#BLOCK} waits for room: 10 ms. */
  public static final Duration DEFAULT_BLOCK_TIMEOUT = Duration.ofMillis(10);

  /** Retries of a failed export before the sink counts as down: 3. */
  public static final int DEFAULT_MAX_RETRIES = 3;

  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);

  /** How long close() keeps delivering: 10 s. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The pipeline's directory: spool, {@code dead-letter.log}, and the journal in {@code journal/}.
   * Relative to the working directory: {@code data/tally}.
   */
  public static final Path DEFAULT_DIRECTORY = Path.of("data", "tally");

  /** The default durability: {@link Durability#MEMORY} (see {@code docs/PERFORMANCE.md}). */
  public static final Durability DEFAULT_DURABILITY = Durability.MEMORY;

  private final OnceLogger failures = new OnceLogger(log);
  private final PipelineEngine engine;
  private final UsageSink sink;
  private final Duration shutdownTimeout;

  private UsagePipeline(Builder b) {
    PipelineSettings settings = b.settings();
    this.sink = settings.sink();
    this.shutdownTimeout = settings.shutdownTimeout();
    this.engine =
        settings.durability() == Durability.MEMORY
            ? MemoryPipeline.start(settings)
            : JournalPipeline.start(settings);
  }

  /** A builder for a pipeline that exports to {@code sink}. */
  public static Builder builder(UsageSink sink) {
    return new Builder(sink);
  }

  /**
   * Hands an event over and returns. Never throws. With a journal the event is in the journal (or,
   * if the journal could not take it, in the spool or counted as dropped) when this returns.
   */
  public void submit(UsageEvent event) {
    if (event == null) {
      failures.failure("null-event", "Tally: a null usage event was submitted and ignored");
      return;
    }
    engine.submit(event);
  }

  /**
   * Hands over an event whose last step runs later, off the calling thread. Without a journal
   * ({@link Durability#MEMORY}) the worker calls {@code event} just before the event is observed,
   * batched and delivered — or at once, on the calling thread, when the event must be spooled (a
   * full queue, a closing pipeline) — so work that is cheaper done many at a time leaves the
   * request thread: the tracker finishes streams this way when their tokens must be estimated, and
   * the worker then counts a batch of texts with the tokenizer's tables warm. With a journal the
   * supplier runs at once, because the journal records finished events. Counted as accepted now;
   * {@link #flush()} waits for it like any other. The supplier must be quick and must not block; if
   * it throws or returns null the event is counted as dropped ({@link DropReason#BUILD_FAILED}).
   * Never throws.
   */
  public void submitLater(Supplier<UsageEvent> event) {
    if (event == null) {
      failures.failure("null-event", "Tally: a null usage event was submitted and ignored");
      return;
    }
    engine.submitLater(event);
  }

  /**
   * Completes when every event submitted before this call has been delivered, spooled,
   * dead-lettered or dropped — or, with a journal, waits in it because the sink is down — and the
   * sink has flushed. Never completes exceptionally.
   */
  public CompletableFuture<Void> flush() {
    return engine.flush();
  }

  /** The current counters. */
  public PipelineStats stats() {
    return engine.stats();
  }

  /**
   * The pipeline's directory: the spool, {@code dead-letter.log} and {@code quarantine/}; the
   * journal's parent unless the journal directory was set apart.
   */
  public Path spoolDirectory() {
    return engine.directory();
  }

  /** The sink this pipeline exports to. */
  public UsageSink sink() {
    return sink;
  }

  /**
   * Starts shutdown once and returns a future that completes when the worker has delivered what it
   * could, put the rest on disk (spool or journal) and the sink has shut down. Later calls return
   * the same future.
   */
  public CompletableFuture<Void> shutdown() {
    return engine.shutdown();
  }

  /**
   * Shuts down and waits: at most the shutdown timeout for delivery, then as long as spooling the
   * rest takes. Runs once; later calls return at once.
   */
  @Override
  public void close() {
    CompletableFuture<Void> done = shutdown();
    if (Thread.currentThread() == engine.worker()) {
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

  /**
   * Builds a {@link UsagePipeline}. Every setter validates its value and names it in the error.
   * Defaults are the {@code DEFAULT_*} constants on {@link UsagePipeline}, {@link
   * #DEFAULT_EXPORT_TIMEOUT} and, for the journal, {@link JournalBuilder}'s.
   */
  public static final class Builder {
    /**
     * How long an export may run before the sink counts as stalled: 10 s. A batch takes
     * milliseconds on a healthy store; one that takes ten seconds is waiting on a lock, a full disk
     * or a network that stopped answering.
     */
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);

    /** Size of one spool segment file: 64 MiB. */
    public static final long DEFAULT_SPOOL_SEGMENT_BYTES = 64L * 1024 * 1024;

    /** The group fsync interval of {@link Durability#MACHINE}: 100 ms. */
    public static final Duration DEFAULT_FSYNC_INTERVAL = JournalBuilder.DEFAULT_FSYNC_INTERVAL;

    /** The cap on the journal's files on disk: 1 GiB. */
    public static final long DEFAULT_JOURNAL_MAX_BYTES = JournalBuilder.DEFAULT_MAX_BYTES;

    /** Size of one journal segment: 16 MiB. */
    public static final int DEFAULT_JOURNAL_SEGMENT_BYTES = JournalBuilder.DEFAULT_SEGMENT_BYTES;

    public static final JournalCapPolicy DEFAULT_JOURNAL_CAP_POLICY =
        JournalBuilder.DEFAULT_CAP_POLICY;

    /** How long an event waits at a full journal under {@code WAIT_THEN_DROP}: 10 ms. */
    public static final Duration DEFAULT_JOURNAL_CAP_WAIT = JournalBuilder.DEFAULT_CAP_WAIT;

    private final UsageSink sink;
    private Durability durability = DEFAULT_DURABILITY;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
    private OverflowPolicy overflowPolicy = DEFAULT_OVERFLOW_POLICY;
    private Duration blockTimeout = DEFAULT_BLOCK_TIMEOUT;
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration exportTimeout = DEFAULT_EXPORT_TIMEOUT;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private Path directory = DEFAULT_DIRECTORY;
    private long spoolSegmentBytes = DEFAULT_SPOOL_SEGMENT_BYTES;
    private boolean spoolFsync;
    private @Nullable Path journalDirectory;
    private int journalSegmentBytes = DEFAULT_JOURNAL_SEGMENT_BYTES;
    private long journalMaxBytes = DEFAULT_JOURNAL_MAX_BYTES;
    private JournalCapPolicy journalCapPolicy = DEFAULT_JOURNAL_CAP_POLICY;
    private Duration journalCapWait = DEFAULT_JOURNAL_CAP_WAIT;
    private Duration fsyncInterval = DEFAULT_FSYNC_INTERVAL;
    private ExportObserver exportObserver = ExportObserver.NONE;
    private Consumer<UsageEvent> acceptObserver = e -> {};
    private Clock clock = Clock.systemUTC();
    private Ticker ticker = Ticker.system();

    private Builder(UsageSink sink) {
      this.sink = Objects.requireNonNull(sink, "sink must not be null");
    }

    /**
     * What an event whose {@link #submit} returned survives; default {@link #DEFAULT_DURABILITY}.
     * {@link Durability#PROCESS} and {@link Durability#MACHINE} journal every event in {@code
     * <directory>/journal} (or {@link #journalDirectory}).
     */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability must not be null");
      return this;
    }

    /** The memory mode's queue bound (unused with a journal). */
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

    /** What the memory mode does when its queue is full (unused with a journal). */
    public Builder overflowPolicy(OverflowPolicy policy) {
      this.overflowPolicy = Objects.requireNonNull(policy, "overflowPolicy must not be null");
      return this;
    }

    /** How long {@link OverflowPolicy#BLOCK} waits for room before spilling. */
    public Builder blockTimeout(Duration timeout) {
      this.blockTimeout = positive("blockTimeout", timeout);
      return this;
    }

    /** Retries of a failed export before the sink counts as down. */
    public Builder maxRetries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("maxRetries must be >= 0, was " + retries);
      }
      this.maxRetries = retries;
      return this;
    }

    /** The retry and probe pauses: from {@code initial} doubling up to {@code max}, jittered. */
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
     * PipelineStats#exportTimeouts()}, is not retried, and marks the sink unhealthy; the sink's
     * call, if it has not returned, is left to finish on the exporter thread, and no other export
     * starts until it has. Default {@link #DEFAULT_EXPORT_TIMEOUT}.
     */
    public Builder exportTimeout(Duration timeout) {
      this.exportTimeout = positive("exportTimeout", timeout);
      return this;
    }

    /** How long close() keeps delivering before it leaves the rest on disk. */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = positive("shutdownTimeout", timeout);
      return this;
    }

    /**
     * The pipeline's directory: spool, quarantined records, {@code dead-letter.log}, and the
     * journal in {@code journal/}. One pipeline per directory. Default {@link #DEFAULT_DIRECTORY}.
     * Created if missing.
     */
    public Builder spoolDirectory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "spoolDirectory must not be null");
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

    /** Where the journal lives; default {@code <spoolDirectory>/journal}. */
    public Builder journalDirectory(Path directory) {
      this.journalDirectory =
          Objects.requireNonNull(directory, "journalDirectory must not be null");
      return this;
    }

    /** Size of one journal segment file; a multiple of 4096. */
    public Builder journalSegmentBytes(int bytes) {
      if (bytes < 4096 || bytes % 4096 != 0) {
        throw new IllegalArgumentException(
            "journalSegmentBytes must be a multiple of 4096 and >= 4096, was " + bytes);
      }
      this.journalSegmentBytes = bytes;
      return this;
    }

    /** The cap on the journal's files on disk; at least two segments. */
    public Builder journalMaxBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("journalMaxBytes must be > 0, was " + bytes);
      }
      this.journalMaxBytes = bytes;
      return this;
    }

    /** What an event meets when the journal is at its cap (sink down or slow for long). */
    public Builder journalCapPolicy(JournalCapPolicy policy) {
      this.journalCapPolicy = Objects.requireNonNull(policy, "journalCapPolicy must not be null");
      return this;
    }

    /** How long {@link JournalCapPolicy#WAIT_THEN_DROP} waits for room; zero drops at once. */
    public Builder journalCapWait(Duration wait) {
      if (wait == null || wait.isNegative()) {
        throw new IllegalArgumentException("journalCapWait must be >= 0, was " + wait);
      }
      this.journalCapWait = wait;
      return this;
    }

    /** The group fsync interval of {@link Durability#MACHINE}. */
    public Builder fsyncInterval(Duration interval) {
      this.fsyncInterval = positive("fsyncInterval", interval);
      return this;
    }

    public Builder exportObserver(ExportObserver observer) {
      this.exportObserver = Objects.requireNonNull(observer, "exportObserver must not be null");
      return this;
    }

    /**
     * Told once about every accepted event of this process, whatever its fate — for example to
     * record usage metrics off the request thread. Called on the worker thread when the event
     * leaves the queue or the journal, or on the submitting thread when the event is spilled or
     * dropped. Events of earlier runs (spool replays, journal recovery) are not observed. Must be
     * quick; a throw is logged and ignored.
     */
    public Builder acceptObserver(Consumer<UsageEvent> observer) {
      this.acceptObserver = Objects.requireNonNull(observer, "acceptObserver must not be null");
      return this;
    }

    /** The clock that stamps dead letters and journal segment headers. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Monotonic nanoseconds for the retry backoff, the probe schedule, the journal's cap wait and
     * fsync interval; {@link System#nanoTime()} by default. Tests pass a hand-moved one.
     */
    public Builder ticker(LongSupplier nanoTime) {
      Objects.requireNonNull(nanoTime, "ticker must not be null");
      this.ticker = nanoTime::getAsLong;
      return this;
    }

    /**
     * Opens the directory, the spool and (with a journal) the journal, recovering what an earlier
     * process left, and starts the worker thread.
     *
     * @throws java.io.UncheckedIOException naming the directory when it cannot be created or used
     * @throws IllegalArgumentException when the journal's cap is below two segments
     */
    public UsagePipeline build() {
      if (durability != Durability.MEMORY && journalMaxBytes < 2L * journalSegmentBytes) {
        throw new IllegalArgumentException(
            "journalMaxBytes must be at least 2 journal segments ("
                + 2L * journalSegmentBytes
                + "), was "
                + journalMaxBytes);
      }
      return new UsagePipeline(this);
    }

    PipelineSettings settings() {
      return new PipelineSettings(
          sink,
          durability,
          queueCapacity,
          batchSize,
          flushInterval,
          overflowPolicy,
          blockTimeout,
          maxRetries,
          initialBackoff,
          maxBackoff,
          exportTimeout,
          shutdownTimeout,
          directory,
          spoolSegmentBytes,
          spoolFsync,
          journalDirectory != null ? journalDirectory : directory.resolve("journal"),
          journalSegmentBytes,
          journalMaxBytes,
          journalCapPolicy,
          journalCapWait,
          fsyncInterval,
          exportObserver,
          acceptObserver,
          clock,
          ticker);
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
