package dev.tally.core.internal.pipeline;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * One journal segment: a file of fixed size whose blocks were written (with zeros) before it was
 * mapped, so a store into the mapping never needs the file system to find a block — a full disk
 * shows as an {@link IOException} from {@link #create}, never as a SIGBUS on an appending thread.
 *
 * <p>Layout (little-endian; {@code docs/PIPELINE.md}, "The journal"): a 64-byte header, then
 * records, each 8-byte aligned: {@code int length | int crc | body | zero padding}. {@code length}
 * is the body's byte count and is stored last, with release semantics, so a reader that sees a
 * non-zero length sees the whole record. Special lengths: {@code 0} not (yet) written, {@link #END}
 * end of the segment, below {@code -1} a padding of {@code -length} bytes (a region that recovery
 * found torn or damaged).
 *
 * <p>Any number of threads append: {@link #reserve} claims space with one atomic add. The thread
 * whose claim crosses the end writes {@link #END} where its claim began.
 */
final class Segment {
  static final int MAGIC = 0x4C4E4A54; // "TJNL" in little-endian
  static final int VERSION = 1;
  static final int HEADER_BYTES = 64;
  static final int RECORD_HEADER_BYTES = 8;
  static final int END = -1;
  private static final int HEADER_CRC_OFFSET = 60;
  private static final int ZERO_CHUNK = 1024 * 1024;
  private static final int PAGE_BYTES = 4096;
  private static final byte[] ZEROS = new byte[64 * 1024];

  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle RESERVED;

  static {
    try {
      RESERVED = MethodHandles.lookup().findVarHandle(Segment.class, "reserved", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final long sequence;
  final Path path;
  final int capacity;
  private final int salt;
  private final @Nullable MappedByteBuffer buffer;

  @SuppressWarnings("unused") // through RESERVED
  private volatile long reserved;

  private int forcedUpTo;
  private boolean retired; // delivered: nobody reads, writes or forces it any more
  private boolean unmapped;

  private Segment(
      long sequence,
      Path path,
      int capacity,
      int salt,
      @Nullable MappedByteBuffer buffer,
      long at) {
    this.sequence = sequence;
    this.path = path;
    this.capacity = capacity;
    this.salt = salt;
    this.buffer = buffer;
    this.reserved = at;
  }

  /** A segment with no room, standing in until the first real one can be allocated. */
  static Segment placeholder() {
    return new Segment(-1, Path.of("none"), 0, 0, null, Long.MAX_VALUE / 2);
  }

  static Path fileName(Path directory, long sequence) {
    return directory.resolve(String.format("journal-%020d.seg", sequence));
  }

  static long sequenceOf(Path file) {
    String name = file.getFileName().toString();
    if (!name.startsWith("journal-") || !name.endsWith(".seg")) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(8, name.length() - 4));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Creates the segment file, writes every block of it for real (header, then zeros), and maps it.
   * A full disk or any I/O error surfaces here, and the partial file is removed.
   */
  static Segment create(
      Path directory, long sequence, int capacity, int salt, long createdMillis, boolean force)
      throws IOException {
    Path path = fileName(directory, sequence);
    try (FileChannel channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      try {
        writeFully(channel, header(sequence, capacity, salt, createdMillis), 0);
        ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
        for (long at = HEADER_BYTES; at < capacity; at += ZERO_CHUNK) {
          zeros.clear().limit((int) Math.min(ZERO_CHUNK, capacity - at));
          writeFully(channel, zeros, at);
        }
        if (force) {
          channel.force(true);
        }
        MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
        map.order(ByteOrder.LITTLE_ENDIAN);
        prefault(map, capacity);
        return new Segment(sequence, path, capacity, salt, map, HEADER_BYTES);
      } catch (IOException e) {
        Files.deleteIfExists(path);
        throw new IOException(
            "could not allocate journal segment " + path + " (" + capacity + " bytes): " + e, e);
      }
    }
  }

  /**
   * Maps an existing segment for reading (and for recovery's repairs). No appends: its space counts
   * as claimed.
   *
   * @throws IOException when the file cannot be read or its header is not a journal header
   */
  static Segment open(Path path) throws IOException {
    try (FileChannel channel =
        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = channel.size();
      ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      if (size < HEADER_BYTES || channel.read(header, 0) != HEADER_BYTES) {
        throw new IncompleteSegmentException(path);
      }
      int magic = header.getInt(0);
      int version = header.getInt(4);
      long sequence = header.getLong(8);
      int capacity = header.getInt(16);
      int salt = header.getInt(20);
      if (magic != MAGIC
          || header.getInt(HEADER_CRC_OFFSET) != crc32c(header.array(), 0, HEADER_CRC_OFFSET)) {
        throw new IOException("journal segment " + path + " has a damaged header");
      }
      if (version != VERSION) {
        throw new IOException("journal segment " + path + " has unknown version " + version);
      }
      if (capacity > size && sequence == sequenceOf(path)) {
        throw new IncompleteSegmentException(path); // killed while its zeros were written
      }
      if (capacity != size || sequence != sequenceOf(path)) {
        throw new IOException(
            "journal segment "
                + path
                + " says sequence "
                + sequence
                + " and "
                + capacity
                + " bytes, but is "
                + size
                + " bytes");
      }
      MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
      map.order(ByteOrder.LITTLE_ENDIAN);
      return new Segment(sequence, path, capacity, salt, map, capacity);
    }
  }

  /**
   * Stores a zero into the last byte of every page (zero already), so each page is mapped writable
   * now, on the allocating thread: otherwise the first append into each page takes a page fault,
   * about one append in sixteen, which showed at p90 and p99 of the append.
   */
  private static void prefault(MappedByteBuffer map, int capacity) {
    for (int page = PAGE_BYTES - 1; page < capacity; page += PAGE_BYTES) {
      map.put(page, (byte) 0);
    }
  }

  private static void writeFully(FileChannel channel, ByteBuffer data, long at) throws IOException {
    long position = at;
    while (data.hasRemaining()) {
      position += channel.write(data, position);
    }
  }

  static int recordBytes(int bodyLength) {
    return (RECORD_HEADER_BYTES + bodyLength + 7) & ~7;
  }

  /**
   * Claims {@code total} bytes (a {@link #recordBytes} size) and returns where they start, or -1
   * when they do not fit: the segment is full and the caller rolls to the next one.
   */
  int reserve(int total) {
    long at = (long) RESERVED.getAndAdd(this, (long) total);
    if (at + total <= capacity) {
      return (int) at;
    }
    if (at < capacity) {
      // This claim crosses the end: mark where the records stop. Only one claim can cross it.
      INT.setRelease(buffer(), (int) at, END);
    }
    return -1;
  }

  /** Writes a record into space {@link #reserve} returned; the length goes last. */
  void write(int at, byte[] body) {
    write(at, body, 0, body.length);
  }

  /** {@link #write(int, byte[])} of {@code body[offset, offset + length)}. */
  void write(int at, byte[] body, int offset, int length) {
    MappedByteBuffer map = buffer();
    map.put(at + RECORD_HEADER_BYTES, body, offset, length);
    map.putInt(at + 4, crc(body, offset, length));
    INT.setRelease(map, at, length);
  }

  /** Marks {@code bytes} from {@code at} (a multiple of 8, at least 8) as padding to skip. */
  void pad(int at, int bytes) {
    INT.setRelease(buffer(), at, -bytes);
  }

  void end(int at) {
    INT.setRelease(buffer(), at, END);
  }

  int lengthAt(int at) {
    return (int) INT.getAcquire(buffer(), at);
  }

  /** The record body at {@code at}, or null when its length is out of bounds or its CRC fails. */
  byte @Nullable [] readRecord(int at, int length, int maxRecordBytes) {
    if (length <= 0 || length > maxRecordBytes || recordBytes(length) > capacity - at) {
      return null;
    }
    MappedByteBuffer map = buffer();
    byte[] body = new byte[length];
    map.get(at + RECORD_HEADER_BYTES, body);
    return map.getInt(at + 4) == crc(body, 0, length) ? body : null;
  }

  /** Whether every byte in {@code [from, to)} is zero. */
  boolean allZero(int from, int to) {
    MappedByteBuffer map = buffer();
    int at = from;
    for (; at + 8 <= to; at += 8) {
      if (map.getLong(at) != 0) {
        return false;
      }
    }
    for (; at < to; at++) {
      if (map.get(at) != 0) {
        return false;
      }
    }
    return true;
  }

  byte[] copy(int from, int to) {
    byte[] bytes = new byte[to - from];
    buffer().get(from, bytes);
    return bytes;
  }

  /** Where the next claim would start, at most the capacity. */
  int claimed() {
    return (int) Math.min((long) RESERVED.getVolatile(this), capacity);
  }

  /** Forces what was claimed since the last call to the storage device (group fsync). */
  synchronized boolean force() {
    if (retired || buffer == null) {
      return false;
    }
    int upTo = claimed();
    if (upTo <= forcedUpTo) {
      return false;
    }
    buffer.force(forcedUpTo, upTo - forcedUpTo);
    forcedUpTo = upTo;
    return true;
  }

  /** Forces the whole mapping (after recovery wrote into it). */
  synchronized void forceAll() {
    if (!retired && buffer != null) {
      buffer.force();
    }
  }

  /**
   * Releases the mapping at once, so the deleted file's blocks are freed now and not at some later
   * GC. Only for a segment nobody reads or writes any more (fully delivered).
   */
  synchronized void unmap() {
    retired = true;
    if (!unmapped && buffer != null) {
      unmapped = true;
      Unmapper.unmap(buffer);
    }
  }

  private MappedByteBuffer buffer() {
    MappedByteBuffer map = buffer;
    if (map == null) {
      throw new IllegalStateException("placeholder segment has no buffer");
    }
    return map;
  }

  /** CRC32C of the body, xor the segment's random salt: bytes never look like a record by luck. */
  private int crc(byte[] data, int offset, int length) {
    return crc32c(data, offset, length) ^ salt;
  }

  static int crc32c(byte[] data, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(data, offset, length);
    return (int) crc.getValue();
  }

  /** Marks a delivered segment: the group fsync skips it from now on. */
  synchronized void retire() {
    retired = true;
  }

  /**
   * Turns a delivered, {@linkplain #retire() retired} segment into a new empty one, reusing its
   * file's blocks and its mapping: zeros through the mapping (memory speed, no system call, no page
   * faults, no block allocation), then the new header, then the rename to the new sequence's name.
   * A crash before the rename leaves a file named below the checkpoint, which recovery deletes as
   * delivered; after it, a valid empty segment.
   */
  static Segment recycle(
      Segment retired, Path directory, long sequence, int salt, long createdMillis, boolean force)
      throws IOException {
    MappedByteBuffer map = retired.buffer();
    int capacity = retired.capacity;
    for (int at = HEADER_BYTES; at < capacity; at += ZEROS.length) {
      map.put(at, ZEROS, 0, Math.min(ZEROS.length, capacity - at));
    }
    map.put(0, header(sequence, capacity, salt, createdMillis).array());
    if (force) {
      map.force();
    }
    Path path = fileName(directory, sequence);
    Files.move(retired.path, path, StandardCopyOption.ATOMIC_MOVE);
    return new Segment(sequence, path, capacity, salt, map, HEADER_BYTES);
  }

  private static ByteBuffer header(long sequence, int capacity, int salt, long createdMillis) {
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(MAGIC).putInt(VERSION).putLong(sequence).putInt(capacity).putInt(salt);
    header.putLong(createdMillis);
    header.putInt(HEADER_CRC_OFFSET, crc32c(header.array(), 0, HEADER_CRC_OFFSET));
    header.clear();
    return header;
  }

  /** A segment file whose allocation never finished: it cannot hold records. */
  static final class IncompleteSegmentException extends IOException {
    private static final long serialVersionUID = 1L;

    IncompleteSegmentException(Path path) {
      super("journal segment " + path + " was never fully allocated");
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
