package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.jdbc.JdbcUsageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops answering for 30 s (its JVM is stopped with SIGSTOP: connections stay open and
 * nothing answers, like a hung host) while two API instances keep tracking, then continues.
 */
class BrokerOutageTest {
  private static final Duration OUTAGE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aBrokerStoppedForThirtySecondsUnderLoadLosesNothingAndDoublesNothing() throws Exception {
    String url = EmbeddedPg.newDatabaseUrl();
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger submitted = new AtomicInteger();
    try (ChildJvm broker = ChildJvm.start(BrokerMain.class, "4", "outage", "outage.dlt");
        JdbcUsageStore store = JdbcUsageStore.builder().url(url).build()) {
      String bootstrap = broker.awaitLine("BROKERS", Duration.ofSeconds(60));
      try (KafkaUsageIngester ingester =
              KafkaUsageIngester.builder(bootstrap, store)
                  .topic("outage")
                  .groupId("outage-group")
                  .properties(Broker.fastGroup())
                  .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                  .build();
          UsagePipeline api1 = pipeline(bootstrap, dir.resolve("api1"));
          UsagePipeline api2 = pipeline(bootstrap, dir.resolve("api2"))) {
        // About 800 events a second from the two instances, before, during and after the outage.
        load.scheduleAtFixedRate(
            () -> {
              for (int i = 0; i < 4; i++) {
                int n = submitted.getAndIncrement();
                (n % 2 == 0 ? api1 : api2).submit(Events.chat("out", n, 100));
              }
            },
            0,
            5,
            TimeUnit.MILLISECONDS);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> EmbeddedPg.count(url, "SELECT count(*) FROM tally_event") > 1_000);

        broker.signal("STOP");
        long stoppedAt = System.nanoTime();
        await()
            .atMost(OUTAGE.plusSeconds(30))
            .until(
                () ->
                    !api1.stats().sinkHealthy()
                        && !api2.stats().sinkHealthy()
                        && System.nanoTime() - stoppedAt >= OUTAGE.toNanos());
        long storedDuringOutage = EmbeddedPg.count(url, "SELECT count(*) FROM tally_event");
        broker.signal("CONT");

        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> api1.stats().sinkHealthy() && api2.stats().sinkHealthy());
        await()
            .until(
                () ->
                    EmbeddedPg.count(url, "SELECT count(*) FROM tally_event")
                        > storedDuringOutage + 1_000);
        load.shutdown();
        assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        int total = submitted.get();

        await()
            .atMost(Duration.ofSeconds(90))
            .untilAsserted(
                () ->
                    assertThat(EmbeddedPg.count(url, "SELECT count(*) FROM tally_event"))
                        .isEqualTo(total));
        assertThat(EmbeddedPg.count(url, "SELECT sum(requests) FROM tally_rollup_hour"))
            .isEqualTo(total);
        for (UsagePipeline api : new UsagePipeline[] {api1, api2}) {
          PipelineStats s = api.stats();
          assertThat(s.spooled()).as("spooled during the outage").isPositive();
          assertThat(s.replayed()).as("replayed after it").isPositive();
          assertThat(s.droppedTotal()).isZero();
          assertThat(s.deadLettered()).isZero();
        }
        assertThat(ingester.stats().deadLettered()).isZero();
      }
    } finally {
      load.shutdownNow();
    }
  }

  private static UsagePipeline pipeline(String bootstrap, Path spool) {
    return UsagePipeline.builder(
            KafkaUsageSink.builder(bootstrap)
                .topic("outage")
                .deliveryTimeout(Duration.ofSeconds(3))
                .build())
        .spoolDirectory(spool)
        .exportTimeout(Duration.ofSeconds(5))
        .maxRetries(1)
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
        .build();
  }
}
