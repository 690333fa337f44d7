package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's disk fails under a running pipeline: a real SQLite file on a tiny loop-mounted ext4
 * filesystem that fills up or whose files become immutable. In SQLite's shared WAL mode the second
 * fault killed the JVM with SIGBUS (the {@code -shm} WAL index is memory-mapped); with the store's
 * default {@link SqliteLocking#EXCLUSIVE} both are ordinary export failures: events go to the
 * spool, the sink is unhealthy, and once the fault clears every event is stored exactly once.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteStoreFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path work;
  private LoopDisk disk;
  private JdbcUsageStore store;
  private UsagePipeline pipeline;

  @AfterEach
  void tearDown() {
    if (pipeline != null) {
      pipeline.close();
    }
    if (store != null) {
      store.close();
    }
    if (disk != null) {
      disk.close();
    }
  }

  private Path start(int megabytes) throws Exception {
    disk = LoopDisk.mount(work, megabytes);
    Path db = disk.root().resolve("tally.db");
    store = JdbcUsageStore.sqlite(db);
    pipeline =
        UsagePipeline.builder(store)
            // The spool lives on a healthy disk; only the ledger's disk fails.
            .spoolDirectory(work.resolve("spool"))
            .flushInterval(Duration.ofMillis(5))
            .maxRetries(1)
            .backoff(Duration.ofMillis(5), Duration.ofMillis(100))
            .exportTimeout(Duration.ofSeconds(5))
            .build();
    return db;
  }

  @Test
  void immutableLedgerFilesFailExportsInsteadOfKillingTheProcessAndNothingIsLostOrDoubled()
      throws Exception {
    Path db = start(16);
    submit("before-", 50);
    assertThat(pipeline.flush()).succeedsWithin(WAIT);
    assertThat(pipeline.stats().delivered()).isEqualTo(50);
    // No memory-mapped WAL index: the file whose mapped pages turned I/O faults into SIGBUS.
    assertThat(db.resolveSibling("tally.db-shm")).doesNotExist();

    disk.makeImmutable(db, db.resolveSibling("tally.db-wal"), db.resolveSibling("tally.db-shm"));
    submit("during-", 100);
    await().atMost(WAIT).until(() -> !pipeline.stats().sinkHealthy());
    await().atMost(WAIT).until(() -> pipeline.stats().spooled() >= 100);

    disk.makeMutable();
    assertEverythingStoredOnce(150);
  }

  @Test
  void aFullDiskFailsExportsAndEverythingIsStoredOnceWhenSpaceReturns() throws Exception {
    start(8);
    submit("before-", 50);
    assertThat(pipeline.flush()).succeedsWithin(WAIT);

    disk.fill();
    // Far more than the WAL already holds, so the write needs blocks the disk no longer has.
    submit("during-", 3_000);
    await().atMost(WAIT).until(() -> !pipeline.stats().sinkHealthy());
    assertThat(pipeline.stats().exportFailures()).isPositive();

    disk.free();
    assertEverythingStoredOnce(3_050);
  }

  private void assertEverythingStoredOnce(long expected) throws Exception {
    await()
        .atMost(WAIT)
        .until(() -> pipeline.stats().sinkHealthy() && pipeline.stats().spoolBytes() == 0);
    assertThat(pipeline.flush()).succeedsWithin(WAIT);
    PipelineStats stats = pipeline.stats();
    assertThat(stats.delivered()).isEqualTo(expected);
    assertThat(stats.droppedTotal()).isZero();
    UsageReport total =
        store.report(UsageQuery.builder(AT.minusSeconds(60), AT.plusSeconds(60)).build());
    assertThat(total.rows()).hasSize(1);
    assertThat(total.rows().get(0).measures().requests()).isEqualTo(expected);
    assertThat(
            store
                .events(
                    EventQuery.builder(AT.minusSeconds(60), AT.plusSeconds(60)).limit(1000).build())
                .events())
        .isNotEmpty();
    pipeline.close();
    store.close();
    // Raw rows agree with the rollups, read by a fresh connection after the store let go.
    assertThat(TestEvents.count("jdbc:sqlite:" + disk.root().resolve("tally.db"), "tally_event"))
        .isEqualTo(expected);
    assertThat(Files.exists(disk.root().resolve("tally.db-shm"))).isFalse();
  }

  private void submit(String prefix, int count) {
    for (int i = 0; i < count; i++) {
      pipeline.submit(
          UsageEvent.builder("chat", TestEvents.CLOCK)
              .id(prefix + i)
              .occurredAt(AT)
              .subject("user-" + (i % 7))
              .tokens(TokenUsage.reported(3, 4))
              .duration(Duration.ofMillis(12))
              .attribute("pad", "x".repeat(200))
              .build());
    }
  }
}
