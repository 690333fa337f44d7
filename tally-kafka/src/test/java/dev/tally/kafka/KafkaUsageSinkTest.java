package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageRejectedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class KafkaUsageSinkTest {

  @Test
  void anEventTooLargeForTheBrokerIsRejectedSoThePipelineDeadLettersIt() {
    String topic = Broker.newTopic("large", 1);
    UsageEvent large =
        UsageEvent.builder("chat")
            .id("large")
            .content(new ContentSummary(5000, 0, "x".repeat(5000), null))
            .build();
    KafkaUsageSink sink =
        KafkaUsageSink.builder(Broker.bootstrap())
            .topic(topic)
            .properties(Map.of("max.request.size", 2048))
            .build();
    try {
      assertThatThrownBy(() -> sink.export(List.of(large)).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(UsageRejectedException.class)
          .hasMessageContaining("large");
      assertThat(sink.export(List.of(Events.chat("small", 1, 1))))
          .succeedsWithin(Duration.ofSeconds(30));
      assertThat(sink.acknowledged()).isEqualTo(1);
    } finally {
      sink.shutdown();
    }
    assertThat(sink.export(List.of(Events.chat("late", 1, 1)))).isCompletedExceptionally();
  }

  @Test
  void anEmptyBatchCompletesAtOnce() {
    KafkaUsageSink sink = KafkaUsageSink.builder("127.0.0.1:1").build();
    try {
      assertThat(sink.export(List.of())).isCompleted();
    } finally {
      sink.shutdown();
    }
  }

  @Test
  void anUnreachableBrokerFailsTheExportWithinTheDeliveryTimeout() {
    KafkaUsageSink sink =
        KafkaUsageSink.builder("127.0.0.1:1").deliveryTimeout(Duration.ofSeconds(1)).build();
    try {
      assertThat(sink.export(List.of(Events.chat("x", 1, 1)))).failsWithin(Duration.ofSeconds(20));
      assertThat(sink.failed()).isEqualTo(1);
    } finally {
      sink.shutdown();
    }
  }

  @Test
  void aProducerThatLostItsSequenceIsReplacedForTheNextExport() {
    List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
    KafkaUsageSink sink =
        KafkaUsageSink.builder("127.0.0.1:1")
            .producerFactory(
                () -> {
                  MockProducer<byte[], byte[]> p =
                      new MockProducer<>(
                          false,
                          new FirstPartition(),
                          new ByteArraySerializer(),
                          new ByteArraySerializer());
                  made.add(p);
                  return p;
                })
            .build();
    try {
      CompletableFuture<Void> first = sink.export(List.of(Events.chat("seq", 1, 1)));
      made.get(0).errorNext(new OutOfOrderSequenceException("the broker lost our sequence"));
      assertThat(first).isCompletedExceptionally();

      CompletableFuture<Void> second = sink.export(List.of(Events.chat("seq", 2, 1)));
      assertThat(made).hasSize(2);
      assertThat(made.get(0).closed()).isTrue();
      made.get(1).completeNext();
      assertThat(second).isCompleted();
      assertThat(sink.producersReplaced()).isEqualTo(1);
    } finally {
      sink.shutdown();
    }
  }

  /** Every record to partition 0: the mock producer has no cluster to partition by. */
  private static final class FirstPartition implements Partitioner {
    @Override
    public int partition(
        String topic,
        Object key,
        byte[] keyBytes,
        Object value,
        byte[] valueBytes,
        Cluster cluster) {
      return 0;
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  @Test
  void buildersNameTheBadValue() {
    assertThatThrownBy(() -> KafkaUsageSink.builder(" "))
        .hasMessage("bootstrapServers must not be blank, was ' '");
    assertThatThrownBy(() -> KafkaUsageSink.builder("h:1").topic("a b"))
        .hasMessageContaining("topic must be 1-249 letters")
        .hasMessageContaining("'a b'");
    assertThatThrownBy(() -> KafkaUsageSink.builder("h:1").compression("brotli"))
        .hasMessageContaining("was 'brotli'");
    assertThatThrownBy(() -> KafkaUsageSink.builder("h:1").properties(Map.of("acks", "1")).build())
        .hasMessage("property acks must be all for Tally's delivery guarantee, was 1");
    assertThatThrownBy(
            () -> KafkaUsageSink.builder("h:1").properties(Map.of("transactional.id", "t")).build())
        .hasMessage("property transactional.id is set by Tally and cannot be passed through");
    assertThatThrownBy(() -> KafkaUsageSink.builder("h:1").deliveryTimeout(Duration.ZERO))
        .hasMessage("deliveryTimeout must be > 0, was PT0S");
    var store = new dev.tally.test.InMemoryUsageSink();
    assertThatThrownBy(() -> KafkaUsageIngester.builder("h:1", store).maxPollRecords(-3))
        .hasMessage("maxPollRecords must be > 0, was -3");
    assertThatThrownBy(
            () ->
                KafkaUsageIngester.builder("h:1", store)
                    .properties(Map.of("enable.auto.commit", "true"))
                    .build())
        .hasMessage(
            "property enable.auto.commit must be false for Tally's delivery guarantee, was true");
    assertThatThrownBy(
            () ->
                KafkaUsageIngester.builder("h:1", store)
                    .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("maxBackoff must be >= initialBackoff PT2S, was PT1S");
  }
}
