package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.jdbc.internal.SqliteUrls;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another connection holds SQLite's write lock longer than the export timeout. The store's writer
 * waits on its busy timeout meanwhile; the pipeline must not wait with it: the stall is counted,
 * the sink is unhealthy, and once the lock is released everything is stored exactly once.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SqliteLockStallTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;

  @Test
  void aLockHeldPastTheExportTimeoutMarksTheSinkUnhealthyAndIsCountedThenAllIsStoredOnce()
      throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("tally.db");
    try (JdbcUsageStore store = JdbcUsageStore.builder().url(url).build();
        UsagePipeline pipeline =
            UsagePipeline.builder(store)
                .spoolDirectory(dir.resolve("spool"))
                .flushInterval(Duration.ofMillis(5))
                .backoff(Duration.ofMillis(5), Duration.ofMillis(100))
                .exportTimeout(Duration.ofMillis(300))
                .build();
        // The same VFS as the store: in this process, the lock is an ordinary SQLite write lock.
        Connection locker = DriverManager.getConnection(SqliteUrls.exclusive(url))) {
      submit(pipeline, "before-", 10);
      assertThat(pipeline.flush()).succeedsWithin(WAIT);

      try (Statement st = locker.createStatement()) {
        st.execute("BEGIN EXCLUSIVE");
      }
      submit(pipeline, "during-", 20);
      await()
          .atMost(WAIT)
          .until(() -> pipeline.stats().exportTimeouts() >= 1 && !pipeline.stats().sinkHealthy());
      // The worker keeps draining the queue into the spool while the store waits on the lock.
      submit(pipeline, "later-", 20);
      await().atMost(WAIT).until(() -> pipeline.stats().spooled() >= 40);

      try (Statement st = locker.createStatement()) {
        st.execute("COMMIT");
      }
      await()
          .atMost(WAIT)
          .until(() -> pipeline.stats().sinkHealthy() && pipeline.stats().spoolBytes() == 0);
      assertThat(pipeline.flush()).succeedsWithin(WAIT);

      PipelineStats stats = pipeline.stats();
      assertThat(stats.delivered()).isEqualTo(50);
      assertThat(stats.exportTimeouts()).isPositive();
      UsageReport total =
          store.report(UsageQuery.builder(AT.minusSeconds(60), AT.plusSeconds(60)).build());
      assertThat(total.rows().get(0).measures().requests()).isEqualTo(50);
      assertThat(TestEvents.count(url, "tally_event")).isEqualTo(50);
    }
  }

  private static void submit(UsagePipeline pipeline, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      pipeline.submit(
          UsageEvent.builder("chat", TestEvents.CLOCK)
              .id(prefix + i)
              .occurredAt(AT)
              .subject("user-" + (i % 3))
              .tokens(TokenUsage.reported(3, 4))
              .duration(Duration.ofMillis(12))
              .build());
    }
  }
}
