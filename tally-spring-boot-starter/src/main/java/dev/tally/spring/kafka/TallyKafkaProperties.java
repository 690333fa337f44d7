package dev.tally.spring.kafka;

import dev.tally.kafka.KafkaUsageIngester;
import dev.tally.kafka.KafkaUsageSink;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code tally.kafka.*}: usage through Kafka. Nothing changes until {@code bootstrap-servers} is
 * set; then the {@link #getRole() role} says what this instance does.
 */
@ConfigurationProperties("tally.kafka")
public class TallyKafkaProperties {

  /** What an instance does with Kafka. */
  public enum Role {
    /** The pipeline delivers to the topic instead of the store (API instances). */
    API,
    /** A consumer-group member reads the topic into the store (ingester instances). */
    INGESTER,
    /** Both in one process. */
    BOTH
  }

  /** Brokers, "host:port,host:port". Unset: Kafka is off and the pipeline writes to the store. */
  private @Nullable String bootstrapServers;

  /** What this instance does: api, ingester or both. */
  private Role role = Role.BOTH;

  /** The usage topic. */
  private String topic = KafkaUsageSink.DEFAULT_TOPIC;

  /** Where poison records go; default the topic plus ".dlt". */
  private @Nullable String deadLetterTopic;

  /** The ingesters' consumer group. */
  private String groupId = KafkaUsageIngester.DEFAULT_GROUP_ID;

  /** How long a batch may wait for the broker before the pipeline retries and spools it. */
  private Duration deliveryTimeout = KafkaUsageSink.DEFAULT_DELIVERY_TIMEOUT;

  /** Records per ingested batch (one store transaction). */
  private int maxPollRecords = KafkaUsageIngester.DEFAULT_MAX_POLL_RECORDS;

  /** How long the store may take for one ingested batch. */
  private Duration ingestTimeout = KafkaUsageIngester.DEFAULT_EXPORT_TIMEOUT;

  /**
   * Client properties passed to every Kafka client as they are: security ({@code
   * security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.*}) and
   * tuning. Example: {@code tally.kafka.properties[security.protocol]=SASL_SSL}.
   */
  private Map<String, String> properties = new LinkedHashMap<>();

  public @Nullable String getBootstrapServers() {
    return bootstrapServers;
  }

  public void setBootstrapServers(@Nullable String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public Role getRole() {
    return role;
  }

  public void setRole(Role role) {
    this.role = role;
  }

  public String getTopic() {
    return topic;
  }

  public void setTopic(String topic) {
    this.topic = topic;
  }

  public @Nullable String getDeadLetterTopic() {
    return deadLetterTopic;
  }

  public void setDeadLetterTopic(@Nullable String deadLetterTopic) {
    this.deadLetterTopic = deadLetterTopic;
  }

  public String getGroupId() {
    return groupId;
  }

  public void setGroupId(String groupId) {
    this.groupId = groupId;
  }

  public Duration getDeliveryTimeout() {
    return deliveryTimeout;
  }

  public void setDeliveryTimeout(Duration deliveryTimeout) {
    this.deliveryTimeout = deliveryTimeout;
  }

  public int getMaxPollRecords() {
    return maxPollRecords;
  }

  public void setMaxPollRecords(int maxPollRecords) {
    this.maxPollRecords = maxPollRecords;
  }

  public Duration getIngestTimeout() {
    return ingestTimeout;
  }

  public void setIngestTimeout(Duration ingestTimeout) {
    this.ingestTimeout = ingestTimeout;
  }

  public Map<String, String> getProperties() {
    return properties;
  }

  public void setProperties(Map<String, String> properties) {
    this.properties = properties;
  }
}
