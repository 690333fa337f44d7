package dev.tally.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a process appending from 8 threads: every id it printed after {@code append}
 * returned is afterwards either in the sink's ledger or in the journal after the checkpoint (so it
 * will be delivered), and the journal holds it once.
 */
class JournalKillTest {
  private static final int ROUNDS = Integer.getInteger("tally.journal.killRounds", 10);

  @TempDir Path directory;

  @Test
  void everyIdPrintedAfterAppendReturnedSurvivesKillNineExactlyOnceInTheJournal() throws Exception {
    Path journalDirectory = directory.resolve("journal");
    Path ledger = directory.resolve("ledger.txt");
    Random random = new Random();
    Set<String> printed = new HashSet<>();
    long torn = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int killAfter = 100 + random.nextInt(8_000);
      List<String> ids = runAndKill(journalDirectory, ledger, round, killAfter);
      assertThat(ids).as("round %d printed ids", round).isNotEmpty();
      printed.addAll(ids);

      Set<String> stored = new HashSet<>(completeLines(Files.readAllBytes(ledger)));
      List<String> replay;
      try (Journal journal =
          Journal.builder(journalDirectory)
              .segmentBytes(JournalKillChild.SEGMENT_BYTES)
              .maxBytes(256L << 20)
              .open()) {
        replay = Records.readAll(journal);
        torn += journal.stats().tornRecords();
      } // no checkpoint: the next child delivers the replay to the ledger
      assertThat(replay)
          .as("round %d: the journal holds each record once", round)
          .doesNotHaveDuplicates();
      assertInPerThreadOrder(replay);
      Set<String> survived = new HashSet<>(stored);
      survived.addAll(replay);
      Set<String> lost = new HashSet<>(printed);
      lost.removeAll(survived);
      assertThat(lost)
          .as("round %d: printed ids neither delivered nor in the journal", round)
          .isEmpty();
    }
    System.out.printf(
        "kill -9: %d rounds, %d ids printed, all kept; %d torn appends truncated%n",
        ROUNDS, printed.size(), torn);
  }

  private List<String> runAndKill(Path journal, Path ledger, int round, int killAfter)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                JournalKillChild.class.getName(),
                journal.toString(),
                ledger.toString(),
                Integer.toString(round))
            .redirectError(directory.resolve("child-" + round + ".err").toFile())
            .start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    AtomicInteger lines = new AtomicInteger();
    Thread reader = new Thread(() -> copy(child.getInputStream(), output, lines), "child-stdout");
    reader.start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> lines.get() >= killAfter || !child.isAlive());
      assertThat(child.isAlive())
          .as(
              "child died on its own: %s",
              Files.readString(directory.resolve("child-" + round + ".err")))
          .isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL
      child.waitFor(30, TimeUnit.SECONDS);
      reader.join(TimeUnit.SECONDS.toMillis(30));
    }
    byte[] bytes;
    synchronized (output) {
      bytes = output.toByteArray();
    }
    return completeLines(bytes);
  }

  private static void copy(InputStream in, ByteArrayOutputStream out, AtomicInteger lines) {
    byte[] buffer = new byte[64 * 1024];
    try (in) {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        synchronized (out) {
          out.write(buffer, 0, read);
        }
        int newlines = 0;
        for (int i = 0; i < read; i++) {
          if (buffer[i] == '\n') {
            newlines++;
          }
        }
        lines.addAndGet(newlines);
      }
    } catch (IOException e) {
      // the child was killed
    }
  }

  /** Lines ended by a newline; a line cut short by the kill is not an id that was printed. */
  private static List<String> completeLines(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return List.of();
    }
    return new ArrayList<>(Arrays.asList(text.substring(0, end).split("\n")));
  }

  private static void assertInPerThreadOrder(List<String> replay) {
    Map<String, Long> last = new HashMap<>();
    for (String id : replay) {
      int cut = id.lastIndexOf('-');
      String writer = id.substring(0, cut);
      long n = Long.parseLong(id.substring(cut + 1));
      Long previous = last.put(writer, n);
      assertThat(previous == null || previous < n)
          .as("%s after %s-%d in the replay", id, writer, previous)
          .isTrue();
    }
  }
}
