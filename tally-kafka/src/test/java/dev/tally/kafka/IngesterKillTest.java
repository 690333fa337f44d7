package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.JdbcUsageStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IngesterKillTest {

  @Test
  void anIngesterKilledBetweenStoreAndCommitIsReplacedAndNothingIsLostOrCountedTwice()
      throws Exception {
    String topic = Broker.newTopic("kill", 4);
    String url = EmbeddedPg.newDatabaseUrl();
    int total = 6_000;
    KafkaUsageSink producer = Broker.setupProducer(topic);
    try {
      List<UsageEvent> batch = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        batch.add(Events.chat("kill", i, 30));
        if (batch.size() == 500) {
          producer.export(batch).get();
          batch = new ArrayList<>();
        }
      }
    } finally {
      producer.shutdown();
    }
    try (JdbcUsageStore store = JdbcUsageStore.builder().url(url).build()) {
      long atKill;
      try (ChildJvm child =
          ChildJvm.start(
              IngesterMain.class, Broker.bootstrap(), topic, topic + "-group", url, "5")) {
        child.awaitLine("STORED-NOT-COMMITTED", Duration.ofSeconds(60));
        atKill = EmbeddedPg.count(url, "SELECT count(*) FROM tally_event");
        child.kill();
      }
      assertThat(atKill).isBetween(1L, (long) total - 1);

      try (KafkaUsageIngester successor =
          KafkaUsageIngester.builder(Broker.bootstrap(), store)
              .topic(topic)
              .groupId(topic + "-group")
              .properties(Broker.fastGroup())
              .build()) {
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () ->
                    assertThat(EmbeddedPg.count(url, "SELECT count(*) FROM tally_event"))
                        .isEqualTo(total));
        assertThat(EmbeddedPg.count(url, "SELECT sum(requests) FROM tally_rollup_hour"))
            .isEqualTo(total);
        // The batch the child stored but never committed was read and stored again: the store
        // found its ids and counted nothing twice.
        assertThat(successor.stats().stored()).isGreaterThan(total - atKill);
      }
    }
  }
}
