package dev.tally.kafka;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** One real KRaft broker per test JVM, started on first use; a fresh topic per caller. */
final class Broker {
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static EmbeddedKafkaKraftBroker broker;

  private Broker() {}

  static synchronized EmbeddedKafkaKraftBroker get() {
    if (broker == null) {
      EmbeddedKafkaKraftBroker b = new EmbeddedKafkaKraftBroker(1, 1);
      b.brokerProperties(
          Map.of(
              "group.initial.rebalance.delay.ms", "0",
              "offsets.topic.num.partitions", "4",
              "transaction.state.log.replication.factor", "1",
              "transaction.state.log.min.isr", "1"));
      b.afterPropertiesSet();
      broker = b;
      Runtime.getRuntime().addShutdownHook(new Thread(b::destroy));
    }
    return broker;
  }

  static String bootstrap() {
    return get().getBrokersAsString();
  }

  /**
   * A new topic with this many partitions, and its dead-letter topic with one, returned once every
   * partition of both has a leader: a producer sending before that waits for the election inside
   * its delivery timeout, which a loaded machine has overrun.
   */
  static String newTopic(String prefix, int partitions) {
    String name = prefix + "-" + TOPICS.incrementAndGet();
    get()
        .addTopics(
            new NewTopic(name, partitions, (short) 1), new NewTopic(name + ".dlt", 1, (short) 1));
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> led(admin, List.of(name, name + ".dlt")));
    }
    return name;
  }

  private static boolean led(Admin admin, List<String> topics) throws Exception {
    Map<String, TopicDescription> described =
        admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
    return described.values().stream()
        .flatMap(d -> d.partitions().stream())
        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
  }

  /** Consumer settings that let a dead member's partitions move within seconds. */
  static Map<String, Object> fastGroup() {
    return Map.of(
        "session.timeout.ms", 6000,
        "heartbeat.interval.ms", 500,
        "max.poll.interval.ms", 60000);
  }

  /**
   * A sink for loading a topic before a test acts: a 60 s delivery timeout, because a loaded build
   * machine can take longer than the 9 s default to elect a new topic's leader.
   */
  static KafkaUsageSink setupProducer(String topic) {
    return KafkaUsageSink.builder(bootstrap())
        .topic(topic)
        .deliveryTimeout(Duration.ofSeconds(60))
        .build();
  }
}
