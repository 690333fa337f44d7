package dev.tally.core.internal.pipeline;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file {@code checkpoint}: the position up to which a sink has committed every record.
 *
 * <p>Two 32-byte slots, written in turn, in place (little-endian): {@code int magic "TCKP" | int
 * version | long generation | long segment | int offset | int crc32c of the 28 bytes before it}.
 * The valid slot with the higher generation wins. A torn write can damage only the slot being
 * written, so the other still holds the previous checkpoint. In place rather than write-and-rename
 * on purpose: a rename needs a new file, and on a full disk there is none to be had — the journal
 * could then never checkpoint, so never delete a segment, so never free space again.
 */
final class Checkpoint implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(Checkpoint.class);
  static final String FILE = "checkpoint";
  private static final int MAGIC = 0x504B4354; // "TCKP" in little-endian
  private static final int VERSION = 1;
  private static final int SLOT_BYTES = 32;
  private static final int CRC_OFFSET = 28;

  private final Path path;
  private final FileChannel channel;
  private final ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final @Nullable JournalPosition stored;
  private long generation;

  private Checkpoint(
      Path path, FileChannel channel, @Nullable JournalPosition stored, long generation) {
    this.path = path;
    this.channel = channel;
    this.stored = stored;
    this.generation = generation;
  }

  /** Opens (or creates, with both slots allocated) the checkpoint file of {@code directory}. */
  static Checkpoint open(Path directory) throws IOException {
    Path path = directory.resolve(FILE);
    FileChannel channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long size = channel.size();
      ByteBuffer both = ByteBuffer.allocate(2 * SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(both, 0);
      long bestGeneration = -1;
      JournalPosition best = null;
      for (int at = 0; at < 2 * SLOT_BYTES; at += SLOT_BYTES) {
        byte[] bytes = new byte[SLOT_BYTES];
        both.get(at, bytes);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.getInt(0) == MAGIC
            && in.getInt(4) == VERSION
            && in.getInt(CRC_OFFSET) == Segment.crc32c(bytes, 0, CRC_OFFSET)
            && in.getLong(16) >= 0
            && in.getInt(24) >= 0
            && in.getLong(8) > bestGeneration) {
          bestGeneration = in.getLong(8);
          best = new JournalPosition(in.getLong(16), in.getInt(24));
        }
      }
      if (best == null && size > 0) {
        log.warn("Tally journal: checkpoint {} is damaged; delivering every segment again", path);
      }
      if (size < 2 * SLOT_BYTES) {
        // Allocate both slots now, while there may still be room: later writes are in place.
        channel.write(ByteBuffer.allocate((int) (2 * SLOT_BYTES - size)), size);
        channel.force(true);
      }
      return new Checkpoint(path, channel, best, Math.max(bestGeneration, 0));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw new IOException("cannot open journal checkpoint " + path + ": " + e, e);
    }
  }

  /** The position stored when the file was opened, or null when there was none. */
  @Nullable JournalPosition stored() {
    return stored;
  }

  /** Stores {@code position} in the older slot; with {@code force} it reaches the disk. */
  void write(JournalPosition position, boolean force) throws IOException {
    long next = generation + 1;
    slot.clear();
    slot.putInt(MAGIC).putInt(VERSION).putLong(next).putLong(position.segment());
    slot.putInt(position.offset());
    slot.putInt(Segment.crc32c(slot.array(), 0, CRC_OFFSET));
    slot.flip();
    long at = (next & 1) * SLOT_BYTES;
    while (slot.hasRemaining()) {
      at += channel.write(slot, at);
    }
    if (force) {
      channel.force(false);
    }
    generation = next;
  }

  Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
