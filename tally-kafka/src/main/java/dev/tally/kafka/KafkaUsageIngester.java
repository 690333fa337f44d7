package dev.tally.kafka;

import dev.tally.core.sink.UsageSink;
import dev.tally.kafka.internal.ClientSettings;
import dev.tally.kafka.internal.DeadLetterPublisher;
import dev.tally.kafka.internal.IngestLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads usage events from a Kafka topic as a member of a consumer group and writes them, a batch
 * per poll, to any {@link UsageSink} — above all {@code JdbcUsageStore} on PostgreSQL.
 *
 * <p>Guarantees, with a sink that is idempotent by event id (every Tally store is):
 *
 * <ul>
 *   <li><b>Nothing lost, nothing twice.</b> A batch's offsets are committed only after the sink
 *       acknowledged it. A crash, a failed commit or a rebalance can make records be read again;
 *       the store ignores ids it already has.
 *   <li><b>Rebalances.</b> Batches are stored between polls, so a revoked partition never has one
 *       in progress; on revocation the offsets stored but not yet committed are committed. A lost
 *       partition (the member was too slow) commits nothing.
 *   <li><b>Poison never stops a partition.</b> A record that is not a usage event, or an event the
 *       sink rejects ({@code UsageRejectedException}, isolated by halving the batch), goes to the
 *       dead-letter topic with the original key, value and headers plus {@code tally-dlt-reason},
 *       {@code tally-dlt-topic}, {@code -partition}, {@code -offset} and {@code -at}; its offset is
 *       committed once the dead-letter topic acknowledged it.
 *   <li><b>Sink down.</b> A failed or timed-out export rewinds the batch and pauses (exponential
 *       backoff with jitter) while the consumer keeps its group membership; nothing is skipped.
 * </ul>
 *
 * <p>One daemon thread, {@code tally-kafka-ingester-N}, does everything. {@link #close()} runs
 * once: it stops the loop, commits what was stored and leaves the group. The ingester never shuts
 * its sink down: the caller owns it. Lag and counters: {@link #stats()}.
 *
 * <p>Defaults: topic {@value KafkaUsageSink#DEFAULT_TOPIC}, group {@value #DEFAULT_GROUP_ID},
 * dead-letter topic the topic plus {@value #DEAD_LETTER_SUFFIX}, {@value #DEFAULT_MAX_POLL_RECORDS}
 * records per batch, export timeout 30 s, backoff 100 ms to 10 s.
 */
public final class KafkaUsageIngester implements AutoCloseable {
  /** The consumer group when none is set. */
  public static final String DEFAULT_GROUP_ID = "tally-ingester";

  /** Appended to the topic to name the dead-letter topic when none is set. */
  public static final String DEAD_LETTER_SUFFIX = ".dlt";

  /** Records per poll, and so per store transaction: 2000. */
  public static final int DEFAULT_MAX_POLL_RECORDS = 2000;

  /** The longest one poll waits for records: 500 ms. */
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(500);

  /** How long the sink may take to store one batch: 30 s. */
  public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(30);

  /** First pause after a failed batch: 100 ms. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);

  /** Longest pause between attempts: 10 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  private static final AtomicInteger IDS = new AtomicInteger();
  private static final Set<String> OWNED =
      Set.of(
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.GROUP_ID_CONFIG,
          "bootstrap.servers");

  private final IngestLoop loop;
  private final Thread thread;
  private final String topic;
  private final String deadLetterTopic;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KafkaUsageIngester(Builder b) {
    int id = IDS.incrementAndGet();
    this.topic = b.topic;
    this.deadLetterTopic =
        b.deadLetterTopic == null ? b.topic + DEAD_LETTER_SUFFIX : b.deadLetterTopic;
    String clientId = b.clientId == null ? "tally-ingester-" + id : b.clientId;
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(b.consumerConfig(clientId));
    KafkaProducer<byte[], byte[]> producer;
    try {
      producer = new KafkaProducer<>(b.producerConfig(clientId + "-dlt"));
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    this.loop =
        new IngestLoop(
            consumer,
            new DeadLetterPublisher(producer, deadLetterTopic, b.clock),
            b.sink,
            topic,
            b.pollTimeout,
            b.exportTimeout,
            b.initialBackoff,
            b.maxBackoff);
    this.thread = new Thread(loop, "tally-kafka-ingester-" + id);
    thread.setDaemon(true);
    thread.start();
  }

  /** A builder for an ingester reading from {@code bootstrapServers} into {@code sink}. */
  public static Builder builder(String bootstrapServers, UsageSink sink) {
    return new Builder(bootstrapServers, sink);
  }

  /** Counters, lag and health, read without locking. */
  public IngesterStats stats() {
    return loop.stats();
  }

  public String topic() {
    return topic;
  }

  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /**
   * Stops reading, commits what was stored, leaves the group and waits up to 10 s for the thread.
   * Runs once; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    loop.stop();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Settings of a {@link KafkaUsageIngester}; each value is checked when it is set. */
  public static final class Builder {
    private final String bootstrapServers;
    private final UsageSink sink;
    private String topic = KafkaUsageSink.DEFAULT_TOPIC;
    private @Nullable String deadLetterTopic;
    private String groupId = DEFAULT_GROUP_ID;
    private @Nullable String clientId;
    private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
    private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
    private Duration exportTimeout = DEFAULT_EXPORT_TIMEOUT;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Map<String, Object> properties = Map.of();
    private Clock clock = Clock.systemUTC();

    private Builder(String bootstrapServers, UsageSink sink) {
      this.bootstrapServers = ClientSettings.requireText("bootstrapServers", bootstrapServers);
      this.sink = Objects.requireNonNull(sink, "sink must not be null");
    }

    /** The topic to read. Default {@value KafkaUsageSink#DEFAULT_TOPIC}. */
    public Builder topic(String topic) {
      this.topic = ClientSettings.topic("topic", topic);
      return this;
    }

    /** Where poison records go. Default the topic plus {@value #DEAD_LETTER_SUFFIX}. */
    public Builder deadLetterTopic(String topic) {
      this.deadLetterTopic = ClientSettings.topic("deadLetterTopic", topic);
      return this;
    }

    /** The consumer group; ingesters of one ledger share it. Default {@value #DEFAULT_GROUP_ID}. */
    public Builder groupId(String groupId) {
      this.groupId = ClientSettings.requireText("groupId", groupId);
      return this;
    }

    /** Consumer {@code client.id}. Default {@code tally-ingester-N}. */
    public Builder clientId(String clientId) {
      this.clientId = ClientSettings.requireText("clientId", clientId);
      return this;
    }

    /** Records per poll, the largest batch handed to the sink. Default 2000. */
    public Builder maxPollRecords(int records) {
      this.maxPollRecords = ClientSettings.positive("maxPollRecords", records);
      return this;
    }

    /** The longest one poll waits. Default 500 ms. */
    public Builder pollTimeout(Duration timeout) {
      this.pollTimeout = ClientSettings.positive("pollTimeout", timeout);
      return this;
    }

    /** How long one batch may take in the sink before it counts as failed. Default 30 s. */
    public Builder exportTimeout(Duration timeout) {
      this.exportTimeout = ClientSettings.positive("exportTimeout", timeout);
      return this;
    }

    /** Pauses after failed batches, doubling from {@code initial} up to {@code max}. */
    public Builder backoff(Duration initial, Duration max) {
      ClientSettings.positive("initialBackoff", initial);
      ClientSettings.positive("maxBackoff", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff must be >= initialBackoff " + initial + ", was " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Client properties passed through to the consumer and the dead-letter producer: security
     * ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) and tuning ({@code
     * session.timeout.ms}, {@code auto.offset.reset}...). Refused: deserializers, {@code group.id}
     * (use {@link #groupId}) and {@code enable.auto.commit=true}.
     */
    public Builder properties(Map<String, ?> properties) {
      this.properties = ClientSettings.copy("properties", properties);
      return this;
    }

    /** The clock that stamps dead letters. Default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    Map<String, Object> consumerConfig(String clientId) {
      return ClientSettings.merge(
          bootstrapServers,
          Map.of(
              ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
              "earliest",
              ConsumerConfig.CLIENT_ID_CONFIG,
              clientId,
              ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
              maxPollRecords),
          properties,
          Map.of(
              ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
              "false",
              ConsumerConfig.GROUP_ID_CONFIG,
              groupId,
              ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
              ByteArrayDeserializer.class,
              ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
              ByteArrayDeserializer.class),
          OWNED);
    }

    Map<String, Object> producerConfig(String clientId) {
      // Only the properties a producer knows; consumer tuning would be logged as unknown.
      Map<String, Object> passThrough = new java.util.HashMap<>();
      properties.forEach(
          (k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
              passThrough.put(k, v);
            }
          });
      return ClientSettings.merge(
          bootstrapServers,
          Map.of(ProducerConfig.CLIENT_ID_CONFIG, clientId),
          passThrough,
          Map.of(
              ProducerConfig.ACKS_CONFIG,
              "all",
              ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
              "true",
              ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
              ByteArraySerializer.class,
              ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
              ByteArraySerializer.class),
          Set.of());
    }

    /** Builds the consumer and dead-letter producer and starts the ingest thread. */
    public KafkaUsageIngester build() {
      return new KafkaUsageIngester(this);
    }
  }
}
