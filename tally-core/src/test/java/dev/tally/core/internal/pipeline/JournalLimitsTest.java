package dev.tally.core.internal.pipeline;

import static dev.tally.core.internal.pipeline.Records.readAll;
import static dev.tally.core.internal.pipeline.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.JournalCapPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cap, and directories that cannot hold a journal. */
class JournalLimitsTest {
  @TempDir Path directory;

  /** Two segments of 4 KiB: 19 records of 200 bytes each. */
  private JournalBuilder capped(JournalCapPolicy policy) {
    return Journal.builder(directory).segmentBytes(4096).maxBytes(8192).capPolicy(policy);
  }

  @Test
  void atTheCapRefuseReturnsFalseAtOnceAndCountsIt() throws IOException {
    try (Journal journal = capped(JournalCapPolicy.REFUSE).open()) {
      int written = 0;
      while (journal.append(record("e" + written))) {
        written++;
      }
      assertThat(written).isEqualTo(38);
      assertThat(journal.append(record("late"))).isFalse();
      JournalStats stats = journal.stats();
      assertThat(stats.refusedAtCap()).isEqualTo(2);
      assertThat(stats.droppedAtCap()).isZero();
      assertThat(stats.diskBytes()).isLessThanOrEqualTo(stats.maxBytes());
      assertThat(stats.capPolicy()).isEqualTo(JournalCapPolicy.REFUSE);

      // Delivering frees the oldest segment; appends are accepted again.
      journal.checkpoint(journal.read(1000).end());
      assertThat(journal.append(record("again"))).isTrue();
      assertThat(readAll(journal)).containsExactly("again");
    }
  }

  @Test
  void atTheCapWaitThenDropWaitsForTheTickerThenDropsAndCountsIt() throws Exception {
    FakeTicker ticker = new FakeTicker();
    try (Journal journal =
        capped(JournalCapPolicy.WAIT_THEN_DROP)
            .capWait(Duration.ofSeconds(5))
            .ticker(ticker)
            .open()) {
      for (int i = 0; i < 38; i++) {
        assertThat(journal.append(record("e" + i))).isTrue();
      }
      AtomicReference<Thread> appender = new AtomicReference<>();
      CompletableFuture<Boolean> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                appender.set(Thread.currentThread());
                return appendUnchecked(journal, "waits");
              });
      await().until(() -> appender.get() != null && isWaiting(appender.get()));
      assertThat(waiting).isNotDone();

      ticker.advance(Duration.ofSeconds(6));
      assertThat(waiting.get(10, TimeUnit.SECONDS)).isFalse();
      assertThat(journal.stats().droppedAtCap()).isEqualTo(1);

      // Once a wait ran out, later appends drop at once instead of each waiting again.
      assertThat(journal.append(record("drops at once"))).isFalse();
      assertThat(journal.stats().droppedAtCap()).isEqualTo(2);
      assertThat(journal.stats().refusedAtCap()).isZero();

      journal.checkpoint(journal.read(1000).end());
      assertThat(journal.append(record("room again"))).isTrue();
    }
  }

  @Test
  void atTheCapAWaitingAppendSucceedsWhenACheckpointFreesASegment() throws Exception {
    FakeTicker ticker = new FakeTicker();
    try (Journal journal =
        capped(JournalCapPolicy.WAIT_THEN_DROP)
            .capWait(Duration.ofSeconds(5))
            .ticker(ticker)
            .open()) {
      for (int i = 0; i < 38; i++) {
        journal.append(record("e" + i));
      }
      AtomicReference<Thread> appender = new AtomicReference<>();
      CompletableFuture<Boolean> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                appender.set(Thread.currentThread());
                return appendUnchecked(journal, "waits");
              });
      await().until(() -> appender.get() != null && isWaiting(appender.get()));

      journal.checkpoint(journal.read(1000).end()); // the sink committed everything
      assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(journal.stats().droppedAtCap()).isZero();
      assertThat(readAll(journal)).containsExactly("waits");
    }
  }

  @Test
  void capBelowTwoSegmentsIsRefusedWithBothValues() {
    assertThatThrownBy(() -> Journal.builder(directory).segmentBytes(4096).maxBytes(5000).open())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBytes")
        .hasMessageContaining("5000")
        .hasMessageContaining("8192");
  }

  @Test
  void missingDirectoryIsCreated() throws IOException {
    Path missing = directory.resolve("a/b/journal");
    try (Journal journal = Journal.builder(missing).segmentBytes(4096).open()) {
      assertThat(journal.append(record("e0"))).isTrue();
    }
    assertThat(missing).isDirectory();
  }

  @Test
  void directoryThatCannotBeCreatedIsAnIOExceptionNamingIt() throws IOException {
    Path file = Files.writeString(directory.resolve("not-a-directory"), "x");
    Path impossible = file.resolve("journal");
    assertThatThrownBy(() -> Journal.builder(impossible).open())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(impossible.toAbsolutePath().toString())
        .hasMessageContaining("cannot be created");
  }

  @Test
  void aFileInsteadOfADirectoryIsAnIOExceptionNamingIt() throws IOException {
    Path file = Files.writeString(directory.resolve("journal"), "x");
    assertThatThrownBy(() -> Journal.builder(file).open())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toAbsolutePath().toString());
  }

  @Test
  void secondJournalOnTheSameDirectoryIsRefusedNamingIt() throws IOException {
    try (Journal first = Journal.builder(directory).segmentBytes(4096).open()) {
      assertThat(first.directory()).isEqualTo(directory);
      assertThatThrownBy(() -> Journal.builder(directory).segmentBytes(4096).open())
          .isInstanceOf(IOException.class)
          .hasMessageContaining(directory.toAbsolutePath().toString())
          .hasMessageContaining("in use");
    }
  }

  private static boolean isWaiting(Thread thread) {
    return thread.getState() == Thread.State.TIMED_WAITING;
  }

  private static boolean appendUnchecked(Journal journal, String id) {
    try {
      return journal.append(record(id));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
