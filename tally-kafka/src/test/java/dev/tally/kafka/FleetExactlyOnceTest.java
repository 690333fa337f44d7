package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.jdbc.JdbcUsageStore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two API instances (two pipelines, each with its own producer) into one PostgreSQL ledger. */
class FleetExactlyOnceTest {
  @TempDir Path dir;

  @Test
  void eventsFromTwoInstancesReachPostgresExactlyOnce() throws Exception {
    String topic = Broker.newTopic("fleet", 4);
    String url = EmbeddedPg.newDatabaseUrl();
    int perInstance = 3_000;
    try (JdbcUsageStore store = JdbcUsageStore.builder().url(url).build();
        KafkaUsageIngester ingester =
            KafkaUsageIngester.builder(Broker.bootstrap(), store)
                .topic(topic)
                .groupId(topic + "-group")
                .properties(Broker.fastGroup())
                .build();
        UsagePipeline api1 = pipeline(topic, dir.resolve("api1"));
        UsagePipeline api2 = pipeline(topic, dir.resolve("api2"))) {
      for (int i = 0; i < perInstance; i++) {
        api1.submit(Events.chat("api1", i, 50));
        api2.submit(Events.chat("api2", i, 50));
        // The same event twice from one instance (a client retry with its operation id) and the
        // same id from the other instance: one row.
        if (i % 500 == 0) {
          api1.submit(Events.chat("api1", i, 50));
          api2.submit(Events.chat("api1", i, 50));
        }
      }
      api1.flush().get();
      api2.flush().get();

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(EmbeddedPg.count(url, "SELECT count(*) FROM tally_event"))
                      .isEqualTo(2L * perInstance));
      assertThat(EmbeddedPg.count(url, "SELECT coalesce(sum(requests), 0) FROM tally_rollup_hour"))
          .isEqualTo(2L * perInstance);
      await().untilAsserted(() -> assertThat(ingester.stats().lag()).isZero());
      IngesterStats stats = ingester.stats();
      assertThat(stats.healthy()).isTrue();
      assertThat(stats.received()).isGreaterThan(2L * perInstance);
      assertThat(stats.deadLettered()).isZero();
      assertThat(api1.stats().delivered()).isEqualTo(perInstance + perInstance / 500);
    }
  }

  static UsagePipeline pipeline(String topic, Path spool) {
    return UsagePipeline.builder(KafkaUsageSink.builder(Broker.bootstrap()).topic(topic).build())
        .spoolDirectory(spool)
        .build();
  }
}
