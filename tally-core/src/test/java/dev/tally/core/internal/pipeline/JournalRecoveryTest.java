package dev.tally.core.internal.pipeline;

import static dev.tally.core.internal.pipeline.Records.readAll;
import static dev.tally.core.internal.pipeline.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What opening a journal does with what a crash or a bad disk left behind. */
class JournalRecoveryTest {
  private static final int RECORD = Segment.recordBytes(Records.SIZE);

  @TempDir Path directory;

  private Journal open() throws IOException {
    return Journal.builder(directory).segmentBytes(64 * 1024).maxBytes(1024 * 1024).open();
  }

  /** Ten records e0..e9 in segment 0, then closed as a crash would leave them. */
  private void tenRecords() throws IOException {
    try (Journal journal = open()) {
      for (int i = 0; i < 10; i++) {
        journal.append(record("e" + i));
      }
    }
  }

  private static int offsetOf(int record) {
    return Segment.HEADER_BYTES + record * RECORD;
  }

  private void write(int offset, ByteBuffer bytes) throws IOException {
    try (FileChannel channel =
        FileChannel.open(Segment.fileName(directory, 0), StandardOpenOption.WRITE)) {
      while (bytes.hasRemaining()) {
        offset += channel.write(bytes, offset);
      }
    }
  }

  private static ByteBuffer ints(int... values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int value : values) {
      buffer.putInt(value);
    }
    return buffer.flip();
  }

  private static List<String> ids(int... excluded) {
    return IntStream.range(0, 10)
        .filter(i -> IntStream.of(excluded).noneMatch(x -> x == i))
        .mapToObj(i -> "e" + i)
        .toList();
  }

  @Test
  void tornTailWhoseLengthWasNeverStoredIsTruncatedAndCounted() throws IOException {
    tenRecords();
    // An append killed after copying its body, before storing its length.
    write(offsetOf(10) + 8, ByteBuffer.wrap(record("e10")));

    try (Journal journal = open()) {
      assertThat(readAll(journal)).containsExactlyElementsOf(ids());
      assertThat(journal.stats().tornRecords()).isEqualTo(1);
      assertThat(journal.stats().recoveredRecords()).isEqualTo(10);
    }
    try (Journal again = open()) {
      assertThat(again.stats().tornRecords()).as("truncated, so not counted twice").isZero();
      assertThat(readAll(again)).containsExactlyElementsOf(ids());
    }
  }

  @Test
  void tornTailWithALengthButABadCrcIsTruncatedAndCounted() throws IOException {
    tenRecords();
    write(offsetOf(10), ints(Records.SIZE, 0x12345678, 0x61626364));

    try (Journal journal = open()) {
      assertThat(readAll(journal)).containsExactlyElementsOf(ids());
      assertThat(journal.stats().tornRecords()).isEqualTo(1);
      assertThat(journal.stats().corruptRecords()).isZero();
    }
  }

  @Test
  void crcMismatchInTheMiddleIsCountedQuarantinedAndReadingResumesAtTheNextRecord()
      throws IOException {
    tenRecords();
    write(offsetOf(5) + 8 + 20, ByteBuffer.wrap(new byte[] {'#'})); // one flipped byte in e5

    try (Journal journal = open()) {
      assertThat(readAll(journal)).containsExactlyElementsOf(ids(5));
      assertThat(journal.stats().corruptRecords()).isEqualTo(1);
      assertThat(journal.stats().tornRecords()).isZero();
    }
    Path quarantined =
        directory
            .resolve("quarantine")
            .resolve(Segment.fileName(directory, 0).getFileName() + "-at-" + offsetOf(5) + ".bad");
    assertThat(quarantined).hasSize(RECORD);
    try (Journal again = open()) {
      assertThat(again.stats().corruptRecords()).as("padded, so not counted twice").isZero();
      assertThat(readAll(again)).containsExactlyElementsOf(ids(5));
    }
  }

  @Test
  void unfinishedAppendBetweenFinishedOnesIsSkippedAndCountedAsTorn() throws IOException {
    tenRecords();
    // Thread A claimed e5's space and was killed before storing its length; B finished e6..e9.
    write(offsetOf(5), ints(0));

    try (Journal journal = open()) {
      assertThat(readAll(journal)).containsExactlyElementsOf(ids(5));
      assertThat(journal.stats().tornRecords()).isEqualTo(1);
      assertThat(journal.stats().corruptRecords()).isZero();
    }
  }

  @Test
  void damagedCheckpointDeliversEverythingAgain() throws IOException {
    try (Journal journal = open()) {
      for (int i = 0; i < 10; i++) {
        journal.append(record("e" + i));
      }
      journal.checkpoint(journal.read(4).end());
    }
    Files.write(directory.resolve(Checkpoint.FILE), new byte[] {1, 2, 3});

    try (Journal journal = open()) {
      assertThat(readAll(journal)).containsExactlyElementsOf(ids());
    }
  }

  @Test
  void segmentWithADamagedHeaderIsMovedAsideAndCounted() throws IOException {
    tenRecords();
    write(8, ints(0xBAD)); // the sequence number in the header; the header CRC now fails

    try (Journal journal = open()) {
      assertThat(readAll(journal)).isEmpty();
      assertThat(journal.stats().corruptRecords()).isEqualTo(1);
      journal.append(record("after"));
      assertThat(readAll(journal)).containsExactly("after");
    }
    assertThat(directory.resolve("quarantine").resolve("journal-00000000000000000000.seg.bad"))
        .exists();
  }

  @Test
  void segmentWhoseAllocationNeverFinishedIsRemovedWithoutCounting() throws IOException {
    tenRecords();
    Path unfinished = Segment.create(directory, 7, 64 * 1024, 42, 0, false).path;
    try (FileChannel channel = FileChannel.open(unfinished, StandardOpenOption.WRITE)) {
      channel.truncate(4096);
    }

    try (Journal journal = open()) {
      assertThat(readAll(journal)).containsExactlyElementsOf(ids());
      assertThat(journal.stats().corruptRecords()).isZero();
    }
    assertThat(unfinished).doesNotExist();
  }

  @Test
  void newSegmentsAfterRecoveryComeAfterTheRecoveredOnes() throws IOException {
    tenRecords();
    try (Journal journal = open()) {
      journal.append(record("new"));
      List<String> all = readAll(journal);
      assertThat(all).hasSize(11).endsWith("new");
    }
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files.filter(p -> Segment.sequenceOf(p) >= 0).count()).isGreaterThan(1);
    }
  }
}
