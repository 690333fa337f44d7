package dev.tally.core.internal.pipeline;

import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/** Settings of a {@link Journal}; each setter validates and names the value it refuses. */
public final class JournalBuilder {
  /** Size of one segment file: 16 MiB, about 80,000 records of 200 bytes. */
  public static final int DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

  /** The cap on segment files on disk: 1 GiB, about 5 million records of 200 bytes. */
  public static final long DEFAULT_MAX_BYTES = 1024L * 1024 * 1024;

  public static final JournalCapPolicy DEFAULT_CAP_POLICY = JournalCapPolicy.WAIT_THEN_DROP;

  /** How long an append waits at the cap before it is dropped ({@code WAIT_THEN_DROP}). */
  public static final Duration DEFAULT_CAP_WAIT = Duration.ofMillis(10);

  public static final Durability DEFAULT_DURABILITY = Durability.PROCESS;

  /** The group fsync interval of {@link Durability#MACHINE}. */
  public static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofMillis(100);

  static final int MIN_SEGMENT_BYTES = 4096;

  final Path directory;
  int segmentBytes = DEFAULT_SEGMENT_BYTES;
  long maxBytes = DEFAULT_MAX_BYTES;
  JournalCapPolicy capPolicy = DEFAULT_CAP_POLICY;
  Duration capWait = DEFAULT_CAP_WAIT;
  Durability durability = DEFAULT_DURABILITY;
  Duration fsyncInterval = DEFAULT_FSYNC_INTERVAL;
  Ticker ticker = Ticker.system();
  Clock clock = Clock.systemUTC();

  JournalBuilder(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
  }

  /** Segment file size; a multiple of 4096, at least 4096. Records up to about this size fit. */
  public JournalBuilder segmentBytes(int segmentBytes) {
    if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes % 4096 != 0) {
      throw new IllegalArgumentException(
          "segmentBytes must be a multiple of 4096 and >= 4096, was " + segmentBytes);
    }
    this.segmentBytes = segmentBytes;
    return this;
  }

  /** The cap on segment files on disk; at least two segments' worth. */
  public JournalBuilder maxBytes(long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be > 0, was " + maxBytes);
    }
    this.maxBytes = maxBytes;
    return this;
  }

  public JournalBuilder capPolicy(JournalCapPolicy capPolicy) {
    this.capPolicy = Objects.requireNonNull(capPolicy, "capPolicy");
    return this;
  }

  /** How long an append waits for room at the cap under {@code WAIT_THEN_DROP}; 0 drops at once. */
  public JournalBuilder capWait(Duration capWait) {
    if (capWait.isNegative()) {
      throw new IllegalArgumentException("capWait must be >= 0, was " + capWait);
    }
    this.capWait = capWait;
    return this;
  }

  /** {@link Durability#PROCESS} or {@link Durability#MACHINE}; the journal has no memory mode. */
  public JournalBuilder durability(Durability durability) {
    if (durability == Durability.MEMORY) {
      throw new IllegalArgumentException(
          "durability must be PROCESS or MACHINE for a journal, was MEMORY (MEMORY means none)");
    }
    this.durability = Objects.requireNonNull(durability, "durability");
    return this;
  }

  public JournalBuilder fsyncInterval(Duration fsyncInterval) {
    if (fsyncInterval.isNegative() || fsyncInterval.isZero()) {
      throw new IllegalArgumentException("fsyncInterval must be > 0, was " + fsyncInterval);
    }
    this.fsyncInterval = fsyncInterval;
    return this;
  }

  /** Where the cap wait and the fsync interval read time; {@link Ticker#system()} by default. */
  public JournalBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    return this;
  }

  /** Wall time, only for the creation time in segment headers. */
  public JournalBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Opens the journal: creates the directory if missing, takes its lock, recovers what earlier
   * processes left after the checkpoint, and allocates the first segment.
   *
   * @throws IOException naming the directory when it cannot be created, is not a writable
   *     directory, or is in use by another journal
   */
  public Journal open() throws IOException {
    if (maxBytes < 2L * segmentBytes) {
      throw new IllegalArgumentException(
          "maxBytes must be at least 2 segments ("
              + 2L * segmentBytes
              + " bytes with segmentBytes "
              + segmentBytes
              + "), was "
              + maxBytes);
    }
    return new Journal(this);
  }
}
