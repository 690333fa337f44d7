package dev.tally.core.internal.pipeline;

import static dev.tally.core.internal.pipeline.Records.id;
import static dev.tally.core.internal.pipeline.Records.readAll;
import static dev.tally.core.internal.pipeline.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
  @TempDir Path directory;

  private JournalBuilder small() {
    return Journal.builder(directory).segmentBytes(64 * 1024).maxBytes(64L * 1024 * 1024);
  }

  @Test
  void eightConcurrentWritersAreReadBackExactlyOnceInPerThreadOrder() throws Exception {
    int threads = 8;
    int perThread = 4_000;
    try (Journal journal = small().open()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Thread writer =
            new Thread(
                () -> {
                  try {
                    start.await();
                    for (int n = 0; n < perThread; n++) {
                      assertThat(journal.append(record(thread + ":" + n))).isTrue();
                    }
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                });
        writer.start();
        writers.add(writer);
      }
      start.countDown();
      // The worker's side, concurrently: read, "commit", checkpoint.
      List<String> read = new ArrayList<>();
      AtomicBoolean writing = new AtomicBoolean(true);
      while (writing.get() || read.size() < threads * perThread) {
        JournalBatch batch = journal.read(500);
        batch.records().forEach(r -> read.add(id(r)));
        journal.checkpoint(batch.end());
        writing.set(writers.stream().anyMatch(Thread::isAlive));
        if (!writing.get() && batch.isEmpty() && read.size() < threads * perThread) {
          break; // nothing more will come
        }
      }
      for (Thread writer : writers) {
        writer.join();
      }
      read.addAll(readAll(journal));

      assertThat(read).hasSize(threads * perThread).doesNotHaveDuplicates();
      Map<String, Integer> last = new HashMap<>();
      for (String id : read) {
        String[] parts = id.split(":");
        int n = Integer.parseInt(parts[1]);
        assertThat(n).isEqualTo(last.getOrDefault(parts[0], -1) + 1);
        last.put(parts[0], n);
      }
      assertThat(journal.stats().appended()).isEqualTo(threads * perThread);
      assertThat(journal.stats().deletedSegments()).isPositive();
    }
  }

  @Test
  void restartReplaysEverythingAfterTheCheckpointInOrder() throws IOException {
    try (Journal journal = small().open()) {
      for (int i = 0; i < 100; i++) {
        journal.append(record("e" + i));
      }
      JournalBatch delivered = journal.read(40);
      assertThat(delivered.size()).isEqualTo(40);
      journal.checkpoint(delivered.end());
      journal.read(30); // read but not committed: must come again
    }
    try (Journal reopened = small().open()) {
      assertThat(readAll(reopened))
          .containsExactlyElementsOf(IntStream.range(40, 100).mapToObj(i -> "e" + i).toList());
      assertThat(reopened.stats().recoveredRecords()).isEqualTo(60);
      assertThat(reopened.stats().tornRecords()).isZero();
      assertThat(reopened.stats().corruptRecords()).isZero();
    }
  }

  @Test
  void rewindReadsUncommittedRecordsAgain() throws IOException {
    try (Journal journal = small().open()) {
      for (int i = 0; i < 10; i++) {
        journal.append(record("e" + i));
      }
      journal.checkpoint(journal.read(3).end());
      journal.read(5); // the sink failed this batch
      journal.rewind();
      assertThat(readAll(journal)).containsExactly("e3", "e4", "e5", "e6", "e7", "e8", "e9");
    }
  }

  @Test
  void checkpointAfterTheReadPositionIsRefused() throws IOException {
    try (Journal journal = small().open()) {
      journal.append(record("e0"));
      JournalPosition ahead = new JournalPosition(journal.readPosition().segment(), 4096);
      assertThatThrownBy(() -> journal.checkpoint(ahead))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("after the read position");
    }
  }

  @Test
  void segmentsAreDeletedOnceTheCheckpointPassesThem() throws IOException {
    try (Journal journal = small().open()) {
      for (int i = 0; i < 2_000; i++) { // ~ 7 segments of 64 KiB
        journal.append(record("e" + i));
      }
      assertThat(segmentFiles()).hasSizeGreaterThanOrEqualTo(6);
      JournalBatch all = journal.read(10_000);
      assertThat(all.size()).isEqualTo(2_000);
      journal.checkpoint(all.end());

      // Left: the active segment, perhaps the next one allocated ahead, and one delivered segment
      // kept as the spare to reuse.
      assertThat(segmentFiles()).hasSizeLessThanOrEqualTo(3);
      assertThat(journal.stats().deletedSegments()).isGreaterThanOrEqualTo(5);
      assertThat(journal.stats().segments()).isEqualTo(1);
      assertThat(directory.resolve(Checkpoint.FILE)).exists();
    }
    try (Journal reopened = small().open()) {
      assertThat(readAll(reopened)).isEmpty();
    }
  }

  @Test
  void recordLargerThanASegmentIsRefusedWithItsSize() throws IOException {
    try (Journal journal = Journal.builder(directory).segmentBytes(4096).maxBytes(8192).open()) {
      assertThatThrownBy(() -> journal.append(new byte[5000]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("5000 bytes");
    }
  }

  @Test
  void appendAfterCloseThrows() throws IOException {
    Journal journal = small().open();
    journal.close();
    assertThatThrownBy(() -> journal.append(record("late")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void machineDurabilityForcesToDiskEveryIntervalOfTheTicker() throws IOException {
    FakeTicker ticker = new FakeTicker();
    try (Journal journal =
        small()
            .durability(Durability.MACHINE)
            .fsyncInterval(Duration.ofSeconds(5))
            .ticker(ticker)
            .open()) {
      journal.append(record("e0"));
      assertThat(journal.stats().fsyncs()).isZero();
      ticker.advance(Duration.ofSeconds(6));
      await().atMost(Duration.ofSeconds(10)).until(() -> journal.stats().fsyncs() >= 1);
      ticker.advance(Duration.ofSeconds(6)); // nothing new appended: nothing to force
      journal.append(record("e1"));
      ticker.advance(Duration.ofSeconds(6));
      await().atMost(Duration.ofSeconds(10)).until(() -> journal.stats().fsyncs() >= 2);
      assertThat(journal.stats().durability()).isEqualTo(Durability.MACHINE);
    }
  }

  @Test
  void memoryIsNotAJournalDurability() {
    assertThatThrownBy(() -> Journal.builder(directory).durability(Durability.MEMORY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MEMORY");
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> Segment.sequenceOf(p) >= 0).toList();
    }
  }
}
