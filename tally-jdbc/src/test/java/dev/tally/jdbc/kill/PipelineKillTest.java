package dev.tally.jdbc.kill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.jdbc.JdbcUsageStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real process tracking from 8 threads through the pipeline with the journal
 * into SQLite, 20 times at random moments; then one more pipeline on the same journal and store.
 * Every id the children printed after {@code track()} returned is stored, exactly once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PipelineKillTest {
  private static final int ROUNDS = Integer.getInteger("tally.pipeline.killRounds", 20);

  @TempDir Path dir;

  @Test
  void everyIdPrintedAfterTrackReturnedIsStoredExactlyOnceAfterTwentyKills() throws Exception {
    Path journal = dir.resolve("pipeline");
    Path database = dir.resolve("tally.db");
    Random random = new Random();
    Set<String> printed = new HashSet<>();
    for (int round = 0; round < ROUNDS; round++) {
      // A random moment: after 50 to 4,000 tracked events, then 0 to 500 ms more, so some kills
      // land while the worker delivers, checkpoints or rolls a segment.
      int killAfter = 50 + random.nextInt(4_000);
      Duration then = Duration.ofMillis(random.nextInt(500));
      List<String> ids = runAndKill(journal, database, round, killAfter, then);
      assertThat(ids).as("round %d printed ids", round).isNotEmpty();
      printed.addAll(ids);
    }

    PipelineStats stats;
    try (JdbcUsageStore store = JdbcUsageStore.sqlite(database);
        UsagePipeline pipeline = PipelineKillChild.pipeline(store, journal)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.stats().journal().backlog() == 0);
      assertThat(pipeline.flush()).succeedsWithin(Duration.ofSeconds(60));
      stats = pipeline.stats();
    }

    Set<String> stored = new HashSet<>();
    // Ids are read through the store (V3 keeps them as 16 bytes), the row count with plain SQL.
    try (JdbcUsageStore store = JdbcUsageStore.sqlite(database)) {
      String cursor = null;
      do {
        EventPage page =
            store.events(
                EventQuery.builder(Instant.EPOCH, Instant.parse("2200-01-01T00:00:00Z"))
                    .limit(EventQuery.MAX_LIMIT)
                    .cursor(cursor)
                    .build());
        page.events().forEach(e -> stored.add(e.id()));
        cursor = page.nextCursor();
      } while (cursor != null);
    }
    long rows;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM tally_event")) {
        rs.next();
        rows = rs.getLong(1);
      }
    }
    Set<String> lost = new HashSet<>(printed);
    lost.removeAll(stored);
    assertThat(lost).as("printed ids not stored (of %d printed)", printed.size()).isEmpty();
    assertThat(rows).as("rows vs distinct ids").isEqualTo(stored.size());
    System.out.printf(
        "pipeline kill -9: %d rounds, %d ids printed, %d stored, all printed ids stored once;"
            + " the last restart recovered %d records (%d torn)%n",
        ROUNDS, printed.size(), stored.size(), stats.journal().recovered(), stats.journal().torn());
  }

  private List<String> runAndKill(
      Path journal, Path database, int round, int killAfter, Duration then) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path err = dir.resolve("child-" + round + ".err");
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                PipelineKillChild.class.getName(),
                journal.toString(),
                database.toString(),
                Integer.toString(round))
            .redirectError(err.toFile())
            .start();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    AtomicInteger lines = new AtomicInteger();
    Thread reader = new Thread(() -> copy(child.getInputStream(), output, lines), "child-stdout");
    reader.start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(2))
          .until(() -> lines.get() >= killAfter || !child.isAlive());
      if (!then.isZero()) {
        await().pollDelay(then).atMost(then.plusSeconds(10)).until(() -> true);
      }
      assertThat(child.isAlive()).as("child died on its own: %s", Files.readString(err)).isTrue();
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
}
