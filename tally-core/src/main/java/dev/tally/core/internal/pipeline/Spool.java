package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.EventCodec;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local, append-only, segmented spool of event batches.
 *
 * <p>Each segment file ({@code segment-<seq>.spool}) is a sequence of records: a 4-byte magic
 * {@code TALY}, a 4-byte payload length, the 4-byte CRC32C of the payload, then the payload (one
 * batch in {@link EventCodec} form). Writers append to the active segment; the replayer reads only
 * sealed segments, oldest first, and deletes a segment once every record in it was delivered.
 *
 * <p>A record that is torn (the process died mid-write) or damaged (a flipped byte) fails its
 * length or CRC check. Its bytes are moved to {@code quarantine/} and reading resumes at the next
 * record that starts with the magic and passes its CRC, so one bad record never blocks the rest.
 *
 * <p>A replay that is interrupted by a crash replays the whole segment again; stores ignore ids
 * they already have, so that never counts twice.
 *
 * <p>Thread-safe: any thread may append; one thread (the pipeline worker) replays.
 */
public final class Spool implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(Spool.class);
  static final int MAGIC = 0x54414C59; // "TALY"
  static final int HEADER_BYTES = 12;
  static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

  private final Path directory;
  private final Path quarantine;
  private final long maxSegmentBytes;
  private final boolean fsync;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private final Object writeLock = new Object();
  private final Deque<Path> sealed = new ArrayDeque<>();
  private @Nullable FileChannel active;
  private @Nullable Path activePath;
  private long activeBytes;
  private long nextSequence;
  private boolean closed;

  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicLong quarantinedRecords = new AtomicLong();
  private final AtomicLong quarantinedBytes = new AtomicLong();

  // Replay state, touched only by the replaying thread.
  private @Nullable Path readingPath;
  private byte @Nullable [] reading;
  private int readPosition;

  public Spool(Path directory, long maxSegmentBytes, boolean fsync) throws IOException {
    this.directory = directory;
    this.quarantine = directory.resolve("quarantine");
    this.maxSegmentBytes = maxSegmentBytes;
    this.fsync = fsync;
    Files.createDirectories(directory);
    this.lockChannel =
        FileChannel.open(
            directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      lockChannel.close();
      throw new IOException(
          "spool directory " + directory + " is in use by another pipeline; give each its own");
    }
    this.lock = acquired;
    long maxSeen = 0;
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> segments = files.filter(p -> sequenceOf(p) >= 0).sorted().toList();
      for (Path segment : segments) {
        long size = Files.size(segment);
        if (size == 0) {
          Files.deleteIfExists(segment);
          continue;
        }
        sealed.addLast(segment);
        pendingBytes.addAndGet(size);
        maxSeen = Math.max(maxSeen, sequenceOf(segment));
      }
    }
    this.nextSequence = maxSeen + 1;
  }

  public Path directory() {
    return directory;
  }

  /** Appends one batch as one record. Called from any thread. */
  public void append(List<UsageEvent> events) throws IOException {
    if (events.isEmpty()) {
      return;
    }
    byte[] payload = EventCodec.encode(events);
    if (payload.length > MAX_RECORD_BYTES) {
      int half = events.size() / 2;
      if (half == 0) {
        throw new IOException("event " + events.get(0).id() + " is too large to spool");
      }
      append(events.subList(0, half));
      append(events.subList(half, events.size()));
      return;
    }
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer record =
        ByteBuffer.allocate(HEADER_BYTES + payload.length).order(ByteOrder.BIG_ENDIAN);
    record.putInt(MAGIC).putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    synchronized (writeLock) {
      FileChannel channel = activeChannel();
      while (record.hasRemaining()) {
        channel.write(record);
      }
      if (fsync) {
        channel.force(false);
      }
      activeBytes += record.limit();
      pendingBytes.addAndGet(record.limit());
      if (activeBytes >= maxSegmentBytes || closed) {
        sealActive();
      }
    }
  }

  private FileChannel activeChannel() throws IOException {
    FileChannel channel = active;
    if (channel == null) {
      Path path = directory.resolve(String.format("segment-%020d.spool", nextSequence++));
      channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      active = channel;
      activePath = path;
      activeBytes = 0;
    }
    return channel;
  }

  private void sealActive() throws IOException {
    FileChannel channel = active;
    Path path = activePath;
    if (channel == null || path == null) {
      return;
    }
    try {
      channel.force(true);
    } finally {
      channel.close();
      active = null;
      activePath = null;
    }
    sealed.addLast(path);
  }

  /** Bytes written and not yet delivered, including damaged bytes not yet quarantined. */
  public long pendingBytes() {
    return pendingBytes.get();
  }

  public boolean hasPending() {
    return pendingBytes.get() > 0;
  }

  public long quarantinedRecords() {
    return quarantinedRecords.get();
  }

  public long quarantinedBytes() {
    return quarantinedBytes.get();
  }

  /**
   * Reads, without consuming, whole records from the oldest pending segment until at least {@code
   * maxEvents} events are collected or the segment ends. Returns an empty batch when nothing is
   * pending. Damaged records met on the way are quarantined. Replayer thread only.
   */
  public Batch peek(int maxEvents) throws IOException {
    while (true) {
      if (reading == null && !openNextSegment()) {
        return Batch.EMPTY;
      }
      byte[] data = reading;
      int position = readPosition;
      List<UsageEvent> events = new ArrayList<>();
      while (position < data.length && events.size() < maxEvents) {
        int end = recordEnd(data, position);
        List<UsageEvent> decoded = end < 0 ? null : decodeOrNull(data, position, end);
        if (decoded == null) {
          if (!events.isEmpty()) {
            break; // hand over the good records first; the damage is dealt with next time
          }
          int next = end < 0 ? nextRecordStart(data, position + 1) : end;
          quarantine(data, position, next);
          position = next;
          readPosition = next;
          continue;
        }
        events.addAll(decoded);
        position = end;
      }
      if (!events.isEmpty()) {
        return new Batch(events, position);
      }
      finishSegment();
    }
  }

  /** Marks everything returned by {@code batch} as delivered. Replayer thread only. */
  public void commit(Batch batch) throws IOException {
    if (batch.events().isEmpty() || reading == null) {
      return;
    }
    pendingBytes.addAndGet(-(batch.endPosition() - readPosition));
    readPosition = batch.endPosition();
    if (readPosition >= reading.length) {
      finishSegment();
    }
  }

  private boolean openNextSegment() throws IOException {
    Path next;
    synchronized (writeLock) {
      if (sealed.isEmpty() && active != null) {
        sealActive();
      }
      next = sealed.pollFirst();
    }
    if (next == null) {
      return false;
    }
    reading = Files.readAllBytes(next);
    readingPath = next;
    readPosition = 0;
    return true;
  }

  private void finishSegment() throws IOException {
    Path path = readingPath;
    byte[] data = reading;
    if (path != null && data != null) {
      pendingBytes.addAndGet(-(data.length - readPosition));
      Files.deleteIfExists(path);
    }
    reading = null;
    readingPath = null;
    readPosition = 0;
  }

  private static @Nullable List<UsageEvent> decodeOrNull(byte[] data, int position, int end) {
    try {
      return EventCodec.decode(data, position + HEADER_BYTES, end - position - HEADER_BYTES);
    } catch (IOException e) {
      log.warn(
          "Tally spool: a record at offset {} passed its CRC but did not decode: {}",
          position,
          e.toString());
      return null;
    }
  }

  /** The end offset of a valid record at {@code position}, or -1 when none starts there. */
  private static int recordEnd(byte[] data, int position) {
    if (data.length - position < HEADER_BYTES) {
      return -1;
    }
    ByteBuffer header = ByteBuffer.wrap(data, position, HEADER_BYTES);
    if (header.getInt() != MAGIC) {
      return -1;
    }
    int length = header.getInt();
    int expectedCrc = header.getInt();
    if (length <= 0 || length > data.length - position - HEADER_BYTES) {
      return -1;
    }
    CRC32C crc = new CRC32C();
    crc.update(data, position + HEADER_BYTES, length);
    if ((int) crc.getValue() != expectedCrc) {
      return -1;
    }
    return position + HEADER_BYTES + length;
  }

  private static int nextRecordStart(byte[] data, int from) {
    for (int p = from; p <= data.length - HEADER_BYTES; p++) {
      if (data[p] == 'T' && recordEnd(data, p) > 0) {
        return p;
      }
    }
    return data.length;
  }

  private void quarantine(byte[] data, int from, int to) {
    Path path = readingPath;
    String name =
        (path == null ? "segment" : path.getFileName().toString()) + "-at-" + from + ".bad";
    quarantinedRecords.incrementAndGet();
    quarantinedBytes.addAndGet(to - from);
    pendingBytes.addAndGet(-(to - from));
    try {
      Files.createDirectories(quarantine);
      Files.write(quarantine.resolve(name), java.util.Arrays.copyOfRange(data, from, to));
      log.warn(
          "Tally spool: {} damaged bytes at offset {} of {} quarantined as {}; replay goes on",
          to - from,
          from,
          path,
          quarantine.resolve(name));
    } catch (IOException e) {
      log.warn("Tally spool: could not write quarantine file {}: {}", name, e.toString());
    }
  }

  private static long sequenceOf(Path p) {
    String name = p.getFileName().toString();
    if (!name.startsWith("segment-") || !name.endsWith(".spool")) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(8, name.length() - 6));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Seals the active segment and releases the directory. Appends after close still reach disk: each
   * one writes and seals a segment of its own.
   */
  @Override
  public void close() throws IOException {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        sealActive();
      } finally {
        try {
          lock.release();
        } finally {
          lockChannel.close();
        }
      }
    }
  }

  /** Events read from the spool and the position just after the last record they came from. */
  public record Batch(List<UsageEvent> events, int endPosition) {
    static final Batch EMPTY = new Batch(List.of(), 0);
  }
}
