package dev.tally.core.internal.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a segment left by an earlier process, from a record boundary to its end, and repairs it in
 * place so that a plain reader can then go through it, and a second recovery finds nothing to count
 * again.
 *
 * <ul>
 *   <li><b>Clean end</b> (zeros after the last record): an end marker is written there.
 *   <li><b>Torn tail</b> — a record whose append never finished (length 0 with bytes after it, or a
 *       bad record with no valid record after it): counted as torn, an end marker is written at its
 *       start. Its append had not returned, so nobody was told it was stored.
 *   <li><b>Hole</b> — length 0 followed by valid records: an append on one thread did not finish
 *       while later appends on other threads did (killed in between). Counted as torn, padded.
 *   <li><b>Damage</b> — a non-zero length whose record fails its CRC or bounds, followed by valid
 *       records: a length is stored only after its body and CRC, so after a process crash this is
 *       damage, not a torn write. Counted as corrupt, its bytes copied to {@code quarantine/},
 *       padded, and reading resumes at the next valid record ("resync": the next 8-byte aligned
 *       offset holding a length in bounds whose record passes the salted CRC).
 * </ul>
 */
final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  /** What one scan found. */
  record Outcome(long records, long torn, long corrupt) {}

  private Recovery() {}

  static Outcome scan(Segment segment, int from, int maxRecordBytes, Path quarantine) {
    long records = 0;
    long torn = 0;
    long corrupt = 0;
    int capacity = segment.capacity;
    int at = from;
    while (at + Segment.RECORD_HEADER_BYTES <= capacity) {
      int length = segment.lengthAt(at);
      if (length == Segment.END) {
        break;
      }
      if (length < Segment.END && isPadding(length, at, capacity)) {
        at += -length;
        continue;
      }
      if (length > 0 && segment.readRecord(at, length, maxRecordBytes) != null) {
        records++;
        at += Segment.recordBytes(length);
        continue;
      }
      int next = nextValid(segment, at + 8, maxRecordBytes);
      if (next < 0) {
        if (length != 0 || !segment.allZero(at, capacity)) {
          torn++;
          log.warn(
              "Tally journal: torn record at offset {} of {} truncated (its append never"
                  + " returned)",
              at,
              segment);
        }
        segment.end(at);
        break;
      }
      if (length == 0) {
        torn++;
        log.warn(
            "Tally journal: unfinished append of {} bytes at offset {} of {} skipped",
            next - at,
            at,
            segment);
      } else {
        corrupt++;
        quarantine(segment, at, next, quarantine);
      }
      segment.pad(at, next - at);
      at = next;
    }
    return new Outcome(records, torn, corrupt);
  }

  private static boolean isPadding(int length, int at, int capacity) {
    int bytes = -length;
    return bytes >= 8 && (bytes & 7) == 0 && bytes <= capacity - at;
  }

  /** The next aligned offset at or after {@code from} where a valid record starts, or -1. */
  private static int nextValid(Segment segment, int from, int maxRecordBytes) {
    for (int at = from; at + Segment.RECORD_HEADER_BYTES <= segment.capacity; at += 8) {
      int length = segment.lengthAt(at);
      if (length > 0 && segment.readRecord(at, length, maxRecordBytes) != null) {
        return at;
      }
    }
    return -1;
  }

  private static void quarantine(Segment segment, int from, int to, Path quarantine) {
    Path file = quarantine.resolve(segment.path.getFileName() + "-at-" + from + ".bad");
    try {
      Files.createDirectories(quarantine);
      Files.write(file, segment.copy(from, to));
      log.warn(
          "Tally journal: {} damaged bytes at offset {} of {} (CRC mismatch) copied to {};"
              + " reading resumes at the next valid record",
          to - from,
          from,
          segment,
          file);
    } catch (IOException e) {
      log.warn(
          "Tally journal: {} damaged bytes at offset {} of {} skipped; could not copy them to {}:"
              + " {}",
          to - from,
          from,
          segment,
          file,
          e.toString());
    }
  }
}
