package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.jdbc.JdbcUsageStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RebalanceTest {
  @TempDir Path dir;

  @Test
  void aSecondIngesterJoiningAndTheFirstLeavingDuringIngestLoseAndDoubleNothing() throws Exception {
    String topic = Broker.newTopic("rebalance", 6);
    String url = EmbeddedPg.newDatabaseUrl();
    AtomicInteger produced = new AtomicInteger();
    AtomicBoolean producing = new AtomicBoolean(true);
    try (JdbcUsageStore store1 = JdbcUsageStore.builder().url(url).build();
        JdbcUsageStore store2 = JdbcUsageStore.builder().url(url).migrate(false).build();
        UsagePipeline api = FleetExactlyOnceTest.pipeline(topic, dir.resolve("api"))) {
      Thread load =
          new Thread(
              () -> {
                while (producing.get()) {
                  api.submit(Events.chat("rb", produced.getAndIncrement(), 40));
                  if (produced.get() % 200 == 0) {
                    api.flush().join();
                  }
                }
              },
              "test-load");
      load.start();
      KafkaUsageIngester first = ingester(topic, store1, "first").build();
      await().until(() -> first.stats().stored() > 1_000);
      KafkaUsageIngester second = ingester(topic, store2, "second").build();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> second.stats().stored() > 500 && first.stats().rebalances() > 0);
      assertThat(first.stats().assignedPartitions()).isLessThan(6);
      first.close();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> second.stats().assignedPartitions() == 6 && second.stats().stored() > 2_000);
      producing.set(false);
      load.join();
      api.flush().get();
      int total = produced.get();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(EmbeddedPg.count(url, "SELECT count(*) FROM tally_event"))
                      .isEqualTo(total));
      assertThat(EmbeddedPg.count(url, "SELECT sum(requests) FROM tally_rollup_hour"))
          .isEqualTo(total);
      assertThat(first.stats().running()).isFalse();
      second.close();
    }
  }

  private static KafkaUsageIngester.Builder ingester(
      String topic, JdbcUsageStore store, String name) {
    return KafkaUsageIngester.builder(Broker.bootstrap(), store)
        .topic(topic)
        .groupId(topic + "-group")
        .clientId(topic + "-" + name)
        .maxPollRecords(200)
        .properties(Broker.fastGroup());
  }
}
