package dev.tally.core.internal.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * The file {@code checkpoint}: the position up to which a sink has committed every record. 24
 * bytes, little-endian: {@code int magic "TCKP" | int version | long segment | int offset | int
 * crc32c of the 20 bytes before it}. Written to {@code checkpoint.tmp} and renamed over the old
 * one, so a reader sees the old checkpoint or the new one, never half of each.
 */
final class Checkpoint {
  static final String FILE = "checkpoint";
  private static final String TEMPORARY = "checkpoint.tmp";
  private static final int MAGIC = 0x504B4354; // "TCKP" in little-endian
  private static final int VERSION = 1;
  private static final int BYTES = 24;

  private Checkpoint() {}

  /**
   * The stored position, or null when there is none yet.
   *
   * @throws IOException when the file exists but is not a checkpoint (then nothing is assumed
   *     delivered: the caller replays everything, which the store's ids make harmless)
   */
  static @Nullable JournalPosition read(Path directory) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(directory.resolve(FILE));
    } catch (NoSuchFileException e) {
      return null;
    }
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length != BYTES
        || in.getInt(0) != MAGIC
        || in.getInt(4) != VERSION
        || in.getInt(20) != Segment.crc32c(bytes, 0, 20)) {
      throw new IOException("journal checkpoint " + directory.resolve(FILE) + " is damaged");
    }
    long segment = in.getLong(8);
    int offset = in.getInt(16);
    if (segment < 0 || offset < 0) {
      throw new IOException("journal checkpoint " + directory.resolve(FILE) + " is damaged");
    }
    return new JournalPosition(segment, offset);
  }

  /** Stores {@code position}; with {@code force} it reaches the disk before the rename. */
  static void write(Path directory, JournalPosition position, boolean force) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(MAGIC).putInt(VERSION).putLong(position.segment()).putInt(position.offset());
    out.putInt(Segment.crc32c(out.array(), 0, 20));
    out.flip();
    Path temporary = directory.resolve(TEMPORARY);
    try (FileChannel channel =
        FileChannel.open(
            temporary,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      while (out.hasRemaining()) {
        channel.write(out);
      }
      if (force) {
        channel.force(true);
      }
    }
    Files.move(
        temporary,
        directory.resolve(FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
