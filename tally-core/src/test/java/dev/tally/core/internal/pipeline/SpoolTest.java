package dev.tally.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.EventCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir Path dir;

  private static List<UsageEvent> batch(String prefix, int size) {
    return IntStream.range(0, size)
        .mapToObj(
            i ->
                UsageEvent.builder("chat")
                    .id(prefix + i)
                    .occurredAt(Instant.parse("2026-11-27T10:00:00Z"))
                    .subject("bob")
                    .tokens(TokenUsage.reported(10 + i, 20))
                    .attribute("k", "v" + i)
                    .build())
        .toList();
  }

  private List<UsageEvent> drain(Spool spool) throws IOException {
    List<UsageEvent> all = new ArrayList<>();
    while (true) {
      Spool.Batch b = spool.peek(1_000);
      if (b.events().isEmpty()) {
        return all;
      }
      all.addAll(b.events());
      spool.commit(b);
    }
  }

  private Path onlySegment() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".spool")).findFirst().orElseThrow();
    }
  }

  private void writeThreeRecords() throws IOException {
    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      spool.append(batch("a", 3));
      spool.append(batch("b", 3));
      spool.append(batch("c", 3));
    }
  }

  private static int recordLength(List<UsageEvent> events) {
    return Spool.HEADER_BYTES + EventCodec.encode(events).length;
  }

  @Test
  void recordsSurviveARestartAndReplayInOrder() throws IOException {
    writeThreeRecords();

    try (Spool reopened = new Spool(dir, 1 << 20, false)) {
      assertThat(reopened.hasPending()).isTrue();
      List<UsageEvent> replayed = drain(reopened);
      List<UsageEvent> expected = new ArrayList<>(batch("a", 3));
      expected.addAll(batch("b", 3));
      expected.addAll(batch("c", 3));
      assertThat(replayed).containsExactlyElementsOf(expected);
      assertThat(reopened.pendingBytes()).isZero();
      assertThat(reopened.quarantinedRecords()).isZero();
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.filter(p -> p.toString().endsWith(".spool"))).isEmpty();
    }
  }

  @Test
  void uncommittedRecordsAreReadAgainAfterRestart() throws IOException {
    writeThreeRecords();
    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      assertThat(spool.peek(3).events()).hasSize(3); // read, never committed: a crash mid-replay
    }
    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      assertThat(drain(spool)).hasSize(9);
    }
  }

  @Test
  void recordTornMidWriteIsQuarantinedAndTheRecordsBeforeItReplay() throws IOException {
    writeThreeRecords();
    Path segment = onlySegment();
    byte[] data = Files.readAllBytes(segment);
    Files.write(segment, java.util.Arrays.copyOf(data, data.length - 7));

    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      List<UsageEvent> replayed = drain(spool);

      assertThat(replayed)
          .extracting(UsageEvent::id)
          .containsExactly("a0", "a1", "a2", "b0", "b1", "b2");
      assertThat(spool.quarantinedRecords()).isEqualTo(1);
      assertThat(spool.pendingBytes()).isZero();
    }
    try (Stream<Path> quarantined = Files.list(dir.resolve("quarantine"))) {
      assertThat(quarantined).hasSize(1);
    }
  }

  @Test
  void flippedPayloadByteQuarantinesOnlyThatRecord() throws IOException {
    writeThreeRecords();
    Path segment = onlySegment();
    byte[] data = Files.readAllBytes(segment);
    int secondRecord = recordLength(batch("a", 3));
    data[secondRecord + Spool.HEADER_BYTES + 20] ^= 0x40;
    Files.write(segment, data);

    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      assertThat(drain(spool))
          .extracting(UsageEvent::id)
          .containsExactly("a0", "a1", "a2", "c0", "c1", "c2");
      assertThat(spool.quarantinedRecords()).isEqualTo(1);
      assertThat(spool.quarantinedBytes()).isEqualTo(recordLength(batch("b", 3)));
    }
  }

  @Test
  void damagedLengthFieldIsSkippedByFindingTheNextValidRecord() throws IOException {
    writeThreeRecords();
    Path segment = onlySegment();
    byte[] data = Files.readAllBytes(segment);
    int secondRecord = recordLength(batch("a", 3));
    ByteBuffer.wrap(data).putInt(secondRecord + 4, 999_999_999);
    Files.write(segment, data);

    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      assertThat(drain(spool))
          .extracting(UsageEvent::id)
          .containsExactly("a0", "a1", "a2", "c0", "c1", "c2");
      assertThat(spool.quarantinedRecords()).isEqualTo(1);
    }
  }

  @Test
  void segmentsRotateAtTheSizeLimitAndReplayAcrossThem() throws IOException {
    try (Spool spool = new Spool(dir, 4096, false)) {
      for (int i = 0; i < 40; i++) {
        spool.append(batch("r" + i + "-", 5));
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.filter(p -> p.toString().endsWith(".spool")).count()).isGreaterThan(3);
      }
      assertThat(drain(spool))
          .hasSize(200)
          .extracting(UsageEvent::id)
          .startsWith("r0-0")
          .endsWith("r39-4");
    }
  }

  @Test
  void appendsWhileReplayingGoToANewSegmentAndAreNotLost() throws IOException {
    try (Spool spool = new Spool(dir, 1 << 20, false)) {
      spool.append(batch("x", 2));
      Spool.Batch first = spool.peek(10);
      spool.append(batch("y", 2));
      spool.commit(first);
      assertThat(first.events()).extracting(UsageEvent::id).containsExactly("x0", "x1");
      assertThat(drain(spool)).extracting(UsageEvent::id).containsExactly("y0", "y1");
    }
  }
}
