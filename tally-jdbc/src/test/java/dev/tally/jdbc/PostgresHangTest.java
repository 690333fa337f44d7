package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL stops answering while the pipeline writes to it, through a loopback proxy that stops
 * forwarding. The export must fail within its bounds (the pipeline's export timeout, the store's
 * network timeout), the hung connection must be dropped, and once the server answers again every
 * event is stored exactly once.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PostgresHangTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;
  private FreezingProxy proxy;
  private String directUrl;
  private JdbcUsageStore store;
  private UsagePipeline pipeline;

  @BeforeEach
  void start() throws Exception {
    String database = EmbeddedPg.newDatabase();
    int port = EmbeddedPg.server().getPort();
    directUrl = "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    proxy = new FreezingProxy("127.0.0.1", port);
    store =
        JdbcUsageStore.builder()
            .url("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database + "?user=postgres")
            .writers(1)
            .statementTimeout(Duration.ofSeconds(1))
            .networkTimeout(Duration.ofSeconds(2))
            .build();
    pipeline =
        UsagePipeline.builder(store)
            .spoolDirectory(dir.resolve("spool"))
            .flushInterval(Duration.ofMillis(5))
            .backoff(Duration.ofMillis(5), Duration.ofMillis(100))
            .exportTimeout(Duration.ofMillis(500))
            .build();
    submit("warm-", 10);
    await().atMost(WAIT).until(() -> pipeline.stats().delivered() == 10);
  }

  @AfterEach
  void stop() throws Exception {
    pipeline.close();
    store.close();
    proxy.close();
  }

  @Test
  void aCommitWhoseReplyNeverArrivesFailsInBoundAndTheRetryStoresEachEventOnce() throws Exception {
    int before = proxy.connections();
    long timeouts = pipeline.stats().exportTimeouts();
    // The server commits the batch; the client never hears so. The worst case for exactly once.
    proxy.freezeRepliesAfterClientSends("COMMIT");

    submit("hung-", 20);
    // Unhealthy from the export timeout (0.5 s) until the network timeout (2 s) ends the call.
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> pipeline.stats().exportTimeouts() > timeouts && !pipeline.stats().sinkHealthy());

    assertEverythingStoredOnce(30);
    // The hung connection was dropped and a new one opened, not the old one used again.
    assertThat(proxy.connections()).isGreaterThan(before);
  }

  @Test
  void aServerThatStopsAnsweringKeepsTheSinkDownWithoutParkingTheWorkerUntilItAnswersAgain()
      throws Exception {
    long failures = pipeline.stats().exportFailures();
    proxy.freeze();

    submit("frozen-", 20);
    await().atMost(WAIT).until(() -> !pipeline.stats().sinkHealthy());
    // Probes keep failing in bounded time (network and login timeouts), none hangs for good.
    await().atMost(WAIT).until(() -> pipeline.stats().exportFailures() >= failures + 3);
    submit("while-down-", 20);
    await().atMost(WAIT).until(() -> pipeline.stats().spooled() >= 40);
    assertThat(pipeline.stats().queueSize()).isZero();

    proxy.resume();
    assertEverythingStoredOnce(50);
  }

  private void assertEverythingStoredOnce(long expected) throws Exception {
    await()
        .atMost(WAIT)
        .until(() -> pipeline.stats().sinkHealthy() && pipeline.stats().spoolBytes() == 0);
    assertThat(pipeline.flush()).succeedsWithin(WAIT);
    PipelineStats stats = pipeline.stats();
    assertThat(stats.delivered()).isEqualTo(expected);
    assertThat(stats.droppedTotal()).isZero();
    assertThat(TestEvents.count(directUrl, "tally_event")).isEqualTo(expected);
    UsageReport total =
        store.report(UsageQuery.builder(AT.minusSeconds(60), AT.plusSeconds(60)).build());
    assertThat(total.rows().get(0).measures().requests()).isEqualTo(expected);
  }

  private void submit(String prefix, int count) {
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
