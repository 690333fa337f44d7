package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.Window;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite writes rollups every few batches, with a mark saying which events they hold: reports never
 * lag (they read the events after the mark raw), a writer killed between a raw commit and a rollup
 * flush loses nothing and counts nothing twice, and retention never deletes an event the rollups
 * have not counted yet.
 */
class SqliteDeferredRollupTest {
  private static final Instant FROM = TestEvents.T0;
  private static final Instant TO = TestEvents.T0.plus(Duration.ofDays(3));

  @TempDir Path dir;

  static List<UsageEvent> events() {
    return TestEvents.varied(21, 600, 40);
  }

  private String url() {
    return "jdbc:sqlite:" + dir.resolve("ledger.db");
  }

  private JdbcUsageStore deferring(Clock clock) {
    return JdbcUsageStore.builder()
        .url(url())
        .clock(clock)
        .rollupFlushBatches(1000)
        .rollupFlushInterval(Duration.ofDays(1))
        .build();
  }

  private static UsageQuery byHour(QuerySource source) {
    return UsageQuery.builder(FROM, TO)
        .window(Window.HOUR)
        .groupBy(GroupField.SUBJECT, GroupField.MODEL, GroupField.OUTCOME)
        .source(source)
        .build();
  }

  @Test
  void reportsIncludeEventsWhoseRollupsAreNotWrittenYet() throws Exception {
    try (JdbcUsageStore store = deferring(TestEvents.CLOCK)) {
      var events = events();
      store.export(events.subList(0, 300)).get(30, TimeUnit.SECONDS);
      store.export(events.subList(300, 600)).get(30, TimeUnit.SECONDS);
      assertThat(store.pendingRollupKeys()).isPositive();
      assertThat(scalar("SELECT COALESCE(SUM(requests), 0) FROM tally_rollup_hour")).isZero();

      UsageReport fromRollups = store.report(byHour(QuerySource.ROLLUPS));
      assertThat(fromRollups.source()).isEqualTo(QuerySource.ROLLUPS);
      assertThat(fromRollups.rows()).isEqualTo(store.report(byHour(QuerySource.RAW)).rows());
      assertThat(total(fromRollups)).isEqualTo(600);

      store.flush().get(30, TimeUnit.SECONDS);
      assertThat(store.pendingRollupKeys()).isZero();
      assertThat(scalar("SELECT SUM(requests) FROM tally_rollup_hour")).isEqualTo(600);
      assertThat(scalar("SELECT seq FROM tally_rollup_mark")).isEqualTo(600);
      assertThat(store.report(byHour(QuerySource.ROLLUPS)).rows()).isEqualTo(fromRollups.rows());
    }
  }

  @Test
  void rollupsAreWrittenEveryNBatchesWithTheMark() throws Exception {
    try (JdbcUsageStore store =
        JdbcUsageStore.builder()
            .url(url())
            .clock(TestEvents.CLOCK)
            .rollupFlushBatches(3)
            .rollupFlushInterval(Duration.ofDays(1))
            .build()) {
      var events = events();
      for (int i = 0; i < 5; i++) {
        store.export(events.subList(i * 100, (i + 1) * 100)).get(30, TimeUnit.SECONDS);
      }
      // Batches 1-3 were flushed with the third; 4 and 5 wait in memory.
      assertThat(scalar("SELECT seq FROM tally_rollup_mark")).isEqualTo(300);
      assertThat(scalar("SELECT SUM(requests) FROM tally_rollup_hour")).isEqualTo(300);
      assertThat(total(store.report(byHour(QuerySource.AUTO)))).isEqualTo(500);
    }
  }

  @Test
  void aWriterKilledBetweenTheRawCommitAndTheRollupFlushIsFoldedInOnceOnRestart() throws Exception {
    Path db = dir.resolve("ledger.db");
    Path ready = dir.resolve("ready");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashingWriter.class.getName(),
                db.toString(),
                ready.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.exists(ready) && Files.size(ready) > 0);
      assertThat(Integer.parseInt(Files.readString(ready))).isPositive();
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(scalar("SELECT COUNT(*) FROM tally_event")).isEqualTo(600);
    assertThat(scalar("SELECT seq FROM tally_rollup_mark")).isZero();
    assertThat(scalar("SELECT COALESCE(SUM(requests), 0) FROM tally_rollup_hour")).isZero();

    for (int restart = 0; restart < 2; restart++) {
      try (JdbcUsageStore store = deferring(TestEvents.CLOCK)) {
        // On start the events after the mark were summed from the table and flushed once.
        assertThat(scalar("SELECT seq FROM tally_rollup_mark")).isEqualTo(600);
        assertThat(scalar("SELECT SUM(requests) FROM tally_rollup_hour")).isEqualTo(600);
        assertThat(store.report(byHour(QuerySource.ROLLUPS)).rows())
            .isEqualTo(store.report(byHour(QuerySource.RAW)).rows());
        // A replay of what the killed writer committed changes nothing.
        store.export(events().subList(0, 600)).get(30, TimeUnit.SECONDS);
      }
      assertThat(scalar("SELECT SUM(requests) FROM tally_rollup_hour")).isEqualTo(600);
    }
  }

  @Test
  void twoWritersOnOneFileNeverCountAnEventTwice() throws Exception {
    var events = events();
    try (JdbcUsageStore a = deferring(TestEvents.CLOCK);
        JdbcUsageStore b = deferring(TestEvents.CLOCK)) {
      for (int i = 0; i < 6; i++) {
        JdbcUsageStore writer = i % 2 == 0 ? a : b;
        writer.export(events.subList(i * 100, (i + 1) * 100)).get(30, TimeUnit.SECONDS);
        if (i == 2) {
          a.flush().get(30, TimeUnit.SECONDS); // a's memory no longer covers b's rows
        }
      }
      assertThat(total(a.report(byHour(QuerySource.AUTO)))).isEqualTo(600);
      b.flush().get(30, TimeUnit.SECONDS);
      a.flush().get(30, TimeUnit.SECONDS);
    }
    assertThat(scalar("SELECT SUM(requests) FROM tally_rollup_hour")).isEqualTo(600);
    assertThat(scalar("SELECT seq FROM tally_rollup_mark")).isEqualTo(600);
  }

  @Test
  void retentionKeepsEventsTheRollupsHaveNotCountedYet() throws Exception {
    Clock later = Clock.fixed(TO.plus(Duration.ofDays(10)), ZoneOffset.UTC);
    try (JdbcUsageStore store = deferring(later)) {
      store.export(events()).get(30, TimeUnit.SECONDS);
      RetentionResult before = store.applyRetention(RetentionPolicy.ofDays(1, 1));
      assertThat(before.rawEvents()).isZero();
      assertThat(total(store.report(byHour(QuerySource.AUTO)))).isEqualTo(600);

      store.flush().get(30, TimeUnit.SECONDS);
      RetentionResult after = store.applyRetention(RetentionPolicy.ofDays(1, 1));
      assertThat(after.rawEvents()).isEqualTo(600);
      assertThat(total(store.report(byHour(QuerySource.ROLLUPS)))).isEqualTo(600);
    }
  }

  private static long total(UsageReport report) {
    return report.rows().stream().mapToLong(r -> r.measures().requests()).sum();
  }

  private long scalar(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
