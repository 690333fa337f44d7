package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import dev.tally.test.FailingUsageSink;
import dev.tally.test.InMemoryUsageSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class IngesterSinkFailureTest {

  @Test
  void aStoreThatIsDownIsRetriedWithoutSkippingAndHealthShowsIt() throws Exception {
    String topic = Broker.newTopic("down", 2);
    produce(topic, "down", 1_000);
    FailingUsageSink store = new FailingUsageSink().down();
    try (KafkaUsageIngester ingester =
        KafkaUsageIngester.builder(Broker.bootstrap(), store)
            .topic(topic)
            .groupId(topic + "-group")
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build()) {
      await().until(() -> ingester.stats().exportFailures() >= 3);
      assertThat(ingester.stats().sinkHealthy()).isFalse();
      assertThat(ingester.stats().healthy()).isFalse();
      assertThat(store.delegate().size()).isZero();

      store.up();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(store.delegate().ids()).hasSize(1_000));
      await().until(() -> ingester.stats().healthy() && ingester.stats().lag() == 0);
      assertThat(store.delegate().size()).isEqualTo(1_000);
    }
  }

  @Test
  void aSinkThatThrowsARejectionInsteadOfFailingItsFutureStillDeadLettersOnlyTheBadEvent()
      throws Exception {
    String topic = Broker.newTopic("throws", 1);
    produce(topic, "ok", 10);
    InMemoryUsageSink kept = new InMemoryUsageSink();
    UsageSink picky =
        new UsageSink() {
          @Override
          public CompletableFuture<Void> export(List<UsageEvent> batch) {
            if (batch.stream().anyMatch(e -> e.id().equals("ok-3"))) {
              throw new UsageRejectedException("no ok-3 here");
            }
            return kept.export(batch);
          }
        };
    try (KafkaUsageIngester ingester =
        KafkaUsageIngester.builder(Broker.bootstrap(), picky)
            .topic(topic)
            .groupId(topic + "-group")
            .build()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> kept.size() == 9);
      await().until(() -> ingester.stats().deadLettered() == 1);
    }
    assertThat(PoisonRecordTest.readAll(topic + ".dlt", 1)).hasSize(1);
  }

  private static void produce(String topic, String prefix, int count) throws Exception {
    KafkaUsageSink sink = Broker.setupProducer(topic);
    try {
      List<UsageEvent> events = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        events.add(Events.chat(prefix, i, 7));
      }
      sink.export(events).get();
    } finally {
      sink.shutdown();
    }
  }
}
