package dev.tally.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.kafka.internal.DeadLetterPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class PoisonRecordTest {

  @Test
  void poisonRecordsGoToTheDeadLetterTopicWithTheirReasonAndThePartitionMovesOn() throws Exception {
    String topic = Broker.newTopic("poison", 1);
    String url = EmbeddedPg.newDatabaseUrl();
    UsageEvent tooOld =
        UsageEvent.builder("chat")
            .id("too-old")
            .subject("user-1")
            .occurredAt(Instant.parse("1600-01-01T00:00:00Z"))
            .build();
    try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      send(raw, topic, "good-0".getBytes(), UsageRecordFormat.encode(Events.chat("good", 0, 1)));
      send(raw, topic, "k".getBytes(), garbage());
      byte[] future = UsageRecordFormat.encode(Events.chat("good", 99, 1));
      future[0] = 9;
      send(raw, topic, "k".getBytes(), future);
      send(raw, topic, "k".getBytes(), null);
      send(raw, topic, UsageRecordFormat.key(tooOld), UsageRecordFormat.encode(tooOld));
      for (int i = 1; i <= 20; i++) {
        send(raw, topic, "k".getBytes(), UsageRecordFormat.encode(Events.chat("good", i, 3)));
      }
    }
    try (JdbcUsageStore store = JdbcUsageStore.builder().url(url).build();
        KafkaUsageIngester ingester =
            KafkaUsageIngester.builder(Broker.bootstrap(), store)
                .topic(topic)
                .groupId(topic + "-group")
                .build()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(EmbeddedPg.count(url, "SELECT count(*) FROM tally_event"))
                      .isEqualTo(21));
      await().untilAsserted(() -> assertThat(ingester.stats().deadLettered()).isEqualTo(4));
      assertThat(ingester.stats().healthy()).isTrue();
    }

    List<ConsumerRecord<byte[], byte[]>> dead = readAll(topic + ".dlt", 4);
    assertThat(dead)
        .extracting(r -> header(r, DeadLetterPublisher.REASON))
        .satisfiesExactly(
            reason -> assertThat(reason).startsWith("undecodable event"),
            reason -> assertThat(reason).isEqualTo("unknown record format version 9"),
            reason -> assertThat(reason).isEqualTo("empty record value"),
            reason -> assertThat(reason).startsWith("rejected by the sink").contains("occurredAt"));
    assertThat(dead)
        .extracting(r -> header(r, DeadLetterPublisher.SOURCE_OFFSET))
        .containsExactly("1", "2", "3", "4");
    assertThat(dead.get(0).value()).isEqualTo(garbage());
    assertThat(dead.get(0).key()).isEqualTo("k".getBytes());
    assertThat(UsageRecordFormat.decode(dead.get(3).value()).id()).isEqualTo("too-old");
  }

  /** The current format byte, then bytes that are not an event. */
  private static byte[] garbage() {
    byte[] text = "not an event".getBytes(StandardCharsets.UTF_8);
    byte[] value = new byte[text.length + 1];
    value[0] = UsageRecordFormat.VERSION;
    System.arraycopy(text, 0, value, 1, text.length);
    return value;
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  static KafkaProducer<byte[], byte[]> rawProducer() {
    return new KafkaProducer<>(
        Map.of(
            "bootstrap.servers", Broker.bootstrap(),
            "key.serializer", ByteArraySerializer.class,
            "value.serializer", ByteArraySerializer.class));
  }

  private static void send(KafkaProducer<byte[], byte[]> p, String topic, byte[] key, byte[] value)
      throws Exception {
    p.send(new ProducerRecord<>(topic, key, value)).get();
  }

  static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                Broker.bootstrap(),
                "group.id",
                topic + "-reader",
                "auto.offset.reset",
                "earliest",
                "key.deserializer",
                ByteArrayDeserializer.class,
                "value.deserializer",
                ByteArrayDeserializer.class))) {
      c.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected;
              });
    }
    return out;
  }
}
