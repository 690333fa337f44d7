package dev.tally.core.internal.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What opening a journal directory found: the checkpoint, the segments after it (checked and
 * repaired by {@link Recovery}) and the sequence number for the next segment.
 */
record Recovered(
    JournalPosition checkpoint, long nextSequence, long records, long torn, long corrupt) {
  private static final Logger log = LoggerFactory.getLogger(Recovered.class);
  static final String QUARANTINE = "quarantine";

  /** Reads the directory, deletes delivered segments, and puts the others into {@code live}. */
  static Recovered recover(
      Path directory,
      @Nullable JournalPosition checkpoint,
      int maxRecordBytes,
      Map<Long, Segment> live)
      throws IOException {
    Path quarantine = directory.resolve(QUARANTINE);
    long maxSequence = checkpoint == null ? -1 : checkpoint.segment();
    long records = 0;
    long torn = 0;
    long corrupt = 0;
    for (Path file : segmentFiles(directory)) {
      long sequence = Segment.sequenceOf(file);
      maxSequence = Math.max(maxSequence, sequence);
      if (checkpoint != null && sequence < checkpoint.segment()) {
        Files.deleteIfExists(file); // delivered; its deletion was cut short
        continue;
      }
      Segment segment;
      try {
        segment = Segment.open(file);
      } catch (Segment.IncompleteSegmentException e) {
        log.debug("Tally journal: removing {}, its allocation never finished", file);
        Files.deleteIfExists(file);
        continue;
      } catch (IOException e) {
        corrupt++;
        Files.createDirectories(quarantine);
        Path moved = quarantine.resolve(file.getFileName() + ".bad");
        Files.move(file, moved, StandardCopyOption.REPLACE_EXISTING);
        log.warn("Tally journal: {}; the whole file moved to {}", e.getMessage(), moved);
        continue;
      }
      int from = Segment.HEADER_BYTES;
      if (checkpoint != null && sequence == checkpoint.segment()) {
        int offset = checkpoint.offset();
        if (offset >= Segment.HEADER_BYTES && offset <= segment.capacity && (offset & 7) == 0) {
          from = offset;
        }
      }
      Recovery.Outcome outcome = Recovery.scan(segment, from, maxRecordBytes, quarantine);
      records += outcome.records();
      torn += outcome.torn();
      corrupt += outcome.corrupt();
      live.put(sequence, segment);
    }
    JournalPosition start = checkpoint == null ? new JournalPosition(0, 0) : checkpoint;
    if (records > 0 || torn > 0 || corrupt > 0) {
      log.info(
          "Tally journal: {} records after the checkpoint in {} to deliver again; {} torn, {}"
              + " corrupt",
          records,
          directory,
          torn,
          corrupt);
    }
    return new Recovered(start, maxSequence + 1, records, torn, corrupt);
  }

  private static List<Path> segmentFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(p -> Segment.sequenceOf(p) >= 0)
          .sorted((a, b) -> Long.compare(Segment.sequenceOf(a), Segment.sequenceOf(b)))
          .toList();
    }
  }
}
