package dev.tally.core.internal.pipeline;

import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe journal: an append-only log of records in memory-mapped segment files.
 *
 * <ul>
 *   <li>{@link #append} — any thread, e.g. the request thread inside {@code track()}: a record is a
 *       put into a mapped page, so once {@code append} returns it is in the page cache and survives
 *       {@code kill -9}. No system call, no lock, no fsync on the usual path.
 *   <li>{@link #read} — one thread (the pipeline worker): the next records after the read position.
 *   <li>{@link #checkpoint} — that thread, after the sink committed a batch: stores the delivered
 *       position and deletes segments wholly before it.
 *   <li>On open, everything after the checkpoint is read again, in order; a torn tail is truncated
 *       and counted, a damaged record counted and skipped ({@link Recovery}).
 * </ul>
 *
 * <p>Format and guarantees: {@code docs/PIPELINE.md}, "The journal". One journal per directory
 * (lock file {@code journal.lock}).
 */
public final class Journal implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  private static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Path directory;
  private final Durability durability;
  private final JournalCapPolicy capPolicy;
  private final long maxBytes;
  private final int maxSegments;
  private final int maxRecordBytes;
  private final long capWaitNanos;
  private final Ticker ticker;
  private final DirectoryLock lock;
  private final Checkpoint checkpointFile;
  private final SegmentAllocator allocator;
  private final @Nullable GroupSync groupSync;

  /** Segments not yet wholly checkpointed, by sequence; the active one is the last. */
  private final ConcurrentSkipListMap<Long, Segment> live = new ConcurrentSkipListMap<>();

  private final Object rollLock = new Object();
  private volatile Segment active = Segment.placeholder();
  private long nextSequence; // guarded by rollLock
  private volatile boolean capExhausted;
  private volatile boolean closed;

  // The reader's state: the worker thread only.
  private long readSequence;
  private int readOffset;
  private JournalPosition checkpointed;

  private final LongAdder appended = new LongAdder();
  private final LongAdder appendedBytes = new LongAdder();
  private final LongAdder droppedAtCap = new LongAdder();
  private final LongAdder refusedAtCap = new LongAdder();
  private final LongAdder appendFailures = new LongAdder();
  private final LongAdder fsyncs = new LongAdder();
  private final LongAdder deletedSegments = new LongAdder();
  private final LongAdder corruptRecords = new LongAdder();
  private final long recoveredRecords;
  private final long tornRecords;

  /** Settings for a journal in {@code directory}, with the defaults on {@link JournalBuilder}. */
  public static JournalBuilder builder(Path directory) {
    return new JournalBuilder(directory);
  }

  Journal(JournalBuilder settings) throws IOException {
    this.directory = settings.directory;
    this.durability = settings.durability;
    this.capPolicy = settings.capPolicy;
    this.maxBytes = settings.maxBytes;
    this.maxSegments = (int) Math.min(Integer.MAX_VALUE, settings.maxBytes / settings.segmentBytes);
    this.maxRecordBytes =
        settings.segmentBytes - Segment.HEADER_BYTES - Segment.RECORD_HEADER_BYTES - 8;
    this.capWaitNanos = settings.capWait.toNanos();
    this.ticker = settings.ticker;
    this.lock = DirectoryLock.acquire(directory);
    boolean force = durability == Durability.MACHINE;
    Checkpoint opened = null;
    try {
      opened = Checkpoint.open(directory);
      Recovered recovered = Recovered.recover(directory, opened.stored(), maxRecordBytes, live);
      this.recoveredRecords = recovered.records();
      this.tornRecords = recovered.torn();
      corruptRecords.add(recovered.corrupt());
      this.checkpointed = recovered.checkpoint();
      this.nextSequence = recovered.nextSequence();
      this.readSequence = checkpointed.segment();
      this.readOffset = checkpointed.offset();
      if (force) {
        live.values().forEach(Segment::forceAll);
      }
      this.allocator =
          new SegmentAllocator(directory, settings.segmentBytes, force, settings.clock);
    } catch (IOException | RuntimeException e) {
      if (opened != null) {
        opened.close();
      }
      lock.close();
      throw e;
    }
    this.checkpointFile = opened;
    synchronized (rollLock) {
      if (live.size() < maxSegments) {
        try {
          installNext();
        } catch (IOException e) {
          // Still open: the backlog can be delivered; the next append tries again and fails loudly.
          appendFailures.increment();
          log.warn("Tally journal: no segment for new records yet: {}", e.toString());
        }
      }
    }
    this.groupSync =
        force ? new GroupSync(this::sync, settings.fsyncInterval.toNanos(), ticker) : null;
  }

  /**
   * Appends one record. Any thread. On the usual path a claim of space by one atomic add and a copy
   * into a mapped page: no system call, no lock, no allocation besides a CRC32C.
   *
   * @param record the record's bytes (e.g. one event in {@code EventCodec} form)
   * @return true when the record is in the journal; false when it was not written because the cap
   *     was reached (counted as dropped or refused at the cap, per the {@link JournalCapPolicy})
   * @throws IOException when a new segment was needed and could not be allocated (a full disk), or
   *     the journal is closed; the record is not in the journal
   * @throws IllegalArgumentException when the record is larger than a segment can hold
   */
  public boolean append(byte[] record) throws IOException {
    return append(record, 0, record.length);
  }

  /**
   * {@link #append(byte[])} of {@code record[offset, offset + length)}: lets a caller encode into a
   * reused buffer, so an append allocates nothing.
   */
  public boolean append(byte[] record, int offset, int length) throws IOException {
    if (length > maxRecordBytes) {
      throw new IllegalArgumentException(
          "record of "
              + length
              + " bytes is larger than the journal's limit of "
              + maxRecordBytes
              + " bytes (segmentBytes)");
    }
    if (closed) {
      throw new IOException("journal " + directory + " is closed");
    }
    int total = Segment.recordBytes(length);
    Segment segment = active;
    while (true) {
      int at = segment.reserve(total);
      if (at >= 0) {
        try {
          segment.write(at, record, offset, length);
        } catch (Throwable e) {
          segment.pad(at, total); // never leave a gap the reader would wait at forever
          throw e;
        }
        appended.increment();
        appendedBytes.add(length);
        return true;
      }
      Segment next = roll(segment);
      if (next == null) {
        return false;
      }
      segment = next;
    }
  }

  /** Makes the next segment active once {@code full} is; null when the cap policy says no. */
  private @Nullable Segment roll(Segment full) throws IOException {
    synchronized (rollLock) {
      long deadline = 0;
      boolean waited = false;
      while (true) {
        Segment current = active;
        if (current != full) {
          return current;
        }
        if (closed) {
          throw new IOException("journal " + directory + " is closed");
        }
        if (live.size() < maxSegments || allocator.isPending(nextSequence)) {
          return installNext();
        }
        if (capPolicy == JournalCapPolicy.REFUSE) {
          refusedAtCap.increment();
          return null;
        }
        long now = ticker.nanos();
        if (!waited) {
          waited = true;
          deadline = now + capWaitNanos;
        }
        long remaining = deadline - now;
        if (capExhausted || remaining <= 0) {
          if (!capExhausted) {
            capExhausted = true;
            log.warn(
                "Tally journal: {} is at its cap of {} bytes; records are dropped (counted) until"
                    + " delivered segments are freed",
                directory,
                maxBytes);
          }
          droppedAtCap.increment();
          return null;
        }
        try {
          long wait = Math.max(MIN_WAIT_NANOS, Math.min(remaining, MAX_WAIT_NANOS));
          TimeUnit.NANOSECONDS.timedWait(rollLock, wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          droppedAtCap.increment();
          return null;
        }
      }
    }
  }

  /** Allocates (or takes the preallocated) next segment and makes it active. Under rollLock. */
  private Segment installNext() throws IOException {
    Segment next;
    try {
      next = allocator.obtain(nextSequence);
    } catch (IOException e) {
      appendFailures.increment();
      throw e;
    }
    live.put(next.sequence, next);
    nextSequence++;
    active = next;
    if (live.size() < maxSegments) {
      allocator.prepare(nextSequence);
    }
    return next;
  }

  /**
   * Up to {@code maxRecords} records after the read position, in append order, and moves the read
   * position past them. Stops early at a record whose append is still in progress. Worker only.
   */
  public JournalBatch read(int maxRecords) {
    List<byte[]> records = new ArrayList<>(Math.min(maxRecords, 512));
    Segment segment = readingSegment();
    while (segment != null && records.size() < maxRecords) {
      int at = readOffset;
      if (at + Segment.RECORD_HEADER_BYTES > segment.capacity) {
        segment = advance(segment);
        continue;
      }
      int length = segment.lengthAt(at);
      if (length > 0) {
        byte[] body = segment.readRecord(at, length, maxRecordBytes);
        int size = Segment.recordBytes(length);
        if (body != null) {
          records.add(body);
        } else {
          // Recovery repaired old segments, so this is damage in memory; skip what can be trusted.
          corruptRecords.increment();
          log.warn("Tally journal: record at offset {} of {} fails its CRC; skipped", at, segment);
          if (length > maxRecordBytes || size > segment.capacity - at) {
            size = segment.capacity - at;
          }
        }
        readOffset = at + size;
      } else if (length == Segment.END) {
        segment = advance(segment);
      } else if (length < Segment.END) {
        readOffset =
            (-length & 7) == 0 && -length <= segment.capacity - at
                ? at + -length
                : segment.capacity;
      } else {
        break; // not written yet, or an append still in progress
      }
    }
    return new JournalBatch(records, new JournalPosition(readSequence, readOffset));
  }

  private @Nullable Segment readingSegment() {
    Segment segment = live.get(readSequence);
    if (segment != null) {
      if (readOffset < Segment.HEADER_BYTES) {
        readOffset = Segment.HEADER_BYTES;
      }
      return segment;
    }
    Map.Entry<Long, Segment> next = live.higherEntry(readSequence);
    if (next == null) {
      return null;
    }
    readSequence = next.getKey();
    readOffset = Segment.HEADER_BYTES;
    return next.getValue();
  }

  private @Nullable Segment advance(Segment from) {
    Map.Entry<Long, Segment> next = live.higherEntry(from.sequence);
    if (next == null) {
      return null; // the next segment is not installed yet; read again later
    }
    readSequence = next.getKey();
    readOffset = Segment.HEADER_BYTES;
    return next.getValue();
  }

  /** Where {@link #read} continues from. Worker only. */
  public JournalPosition readPosition() {
    return new JournalPosition(readSequence, readOffset);
  }

  /** The last checkpointed position. */
  public JournalPosition checkpointed() {
    return checkpointed;
  }

  /**
   * Records that a sink committed every record before {@code position} (a batch's {@link
   * JournalBatch#end()}), and deletes the segments wholly before it. Worker only. A position not
   * after the last checkpoint is ignored.
   *
   * @throws IllegalArgumentException when {@code position} is after what was read
   * @throws IOException when the checkpoint file cannot be written (nothing changed then)
   */
  public void checkpoint(JournalPosition position) throws IOException {
    if (!position.isAfter(checkpointed)) {
      return;
    }
    if (position.isAfter(readPosition())) {
      throw new IllegalArgumentException(
          "checkpoint " + position + " is after the read position " + readPosition());
    }
    checkpointFile.write(position, durability == Durability.MACHINE);
    checkpointed = position;
    boolean freed = false;
    for (Map.Entry<Long, Segment> entry : live.headMap(position.segment()).entrySet()) {
      Segment segment = entry.getValue();
      live.remove(entry.getKey());
      if (!allocator.offerSpare(segment)) {
        segment.unmap();
        try {
          Files.deleteIfExists(segment.path);
        } catch (IOException e) {
          log.warn(
              "Tally journal: could not delete delivered segment {}: {}", segment, e.toString());
        }
      }
      deletedSegments.increment();
      freed = true;
    }
    if (freed) {
      synchronized (rollLock) {
        capExhausted = false;
        if (!closed && live.size() < maxSegments) {
          allocator.prepare(nextSequence);
        }
        rollLock.notifyAll();
      }
    }
  }

  /** Moves the read position back to the checkpoint, to read undelivered records again. */
  public void rewind() {
    readSequence = checkpointed.segment();
    readOffset = checkpointed.offset();
  }

  /** Forces what was appended since the last call to disk; the group fsync calls it. */
  public void sync() {
    boolean forced = false;
    for (Segment segment : live.values()) {
      forced |= segment.force();
    }
    if (forced) {
      fsyncs.increment();
    }
  }

  public Path directory() {
    return directory;
  }

  public JournalStats stats() {
    long disk = allocator.pendingBytes();
    for (Segment segment : live.values()) {
      disk += segment.capacity;
    }
    return new JournalStats(
        durability,
        capPolicy,
        maxBytes,
        disk,
        live.size(),
        appended.sum(),
        appendedBytes.sum(),
        recoveredRecords,
        tornRecords,
        corruptRecords.sum(),
        droppedAtCap.sum(),
        refusedAtCap.sum(),
        appendFailures.sum(),
        fsyncs.sum(),
        deletedSegments.sum());
  }

  /**
   * Stops the background threads, forces the journal to disk under {@link Durability#MACHINE}, and
   * releases the directory. Records stay on disk for the next open. Appends after close throw.
   * Mappings are left to the GC: an append racing with close may still be writing.
   */
  @Override
  public void close() throws IOException {
    synchronized (rollLock) {
      if (closed) {
        return;
      }
      closed = true;
      rollLock.notifyAll();
    }
    try {
      if (groupSync != null) {
        groupSync.close();
        sync();
      }
      allocator.close();
    } finally {
      try {
        checkpointFile.close();
      } finally {
        lock.close();
      }
    }
  }
}
