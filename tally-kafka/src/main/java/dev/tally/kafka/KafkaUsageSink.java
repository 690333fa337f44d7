package dev.tally.kafka;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import dev.tally.kafka.internal.ClientSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link UsageSink} that puts every event on a Kafka topic, one record per event, keyed by its
 * subject ({@link UsageRecordFormat}).
 *
 * <p>The producer is idempotent with {@code acks=all}: a broker retry never writes a record twice,
 * and one subject's events keep their order within a partition. {@link #export} completes when the
 * broker acknowledged every record of the batch; it fails (and the pipeline in front retries, then
 * spools to disk) when the broker does not answer within {@code deliveryTimeout}. After an error
 * that leaves the producer unusable (its sequence or epoch lost by the broker) the next export
 * builds a new producer. A record too large for the broker fails as {@link UsageRejectedException},
 * so the pipeline dead-letters that one event. Delivery into Kafka is at least once — a batch
 * retried after a lost acknowledgement is sent again — and the ingester's store makes it exactly
 * once by event id.
 *
 * <p>Never blocks the request thread: it runs behind a {@code UsagePipeline}. {@code send} itself
 * may wait up to {@code deliveryTimeout} for metadata while the broker is unreachable, on the
 * pipeline's exporter thread. Defaults: topic {@value #DEFAULT_TOPIC}, delivery timeout 9 s (under
 * the pipeline's 10 s export timeout), linger 5 ms, lz4 compression.
 */
public final class KafkaUsageSink implements UsageSink {
  /** The topic when none is set. */
  public static final String DEFAULT_TOPIC = "tally.usage";

  /** How long a batch may wait for the broker's acknowledgement: 9 s. */
  public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(9);

  /** How long the producer waits to fill a request: 5 ms. */
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);

  /** Compression of record batches: lz4 (cheap on CPU; usage events repeat most of their text). */
  public static final String DEFAULT_COMPRESSION = "lz4";

  private static final AtomicInteger IDS = new AtomicInteger();
  private static final Set<String> OWNED =
      Set.of(
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
          ProducerConfig.TRANSACTIONAL_ID_CONFIG,
          "bootstrap.servers");

  private final Supplier<Producer<byte[], byte[]>> producers;
  private final Object producerLock = new Object();
  private volatile Producer<byte[], byte[]> producer;
  private volatile boolean replaceProducer;
  private final LongAdder producersReplaced = new LongAdder();
  private final String topic;
  private final AtomicBoolean shutdown = new AtomicBoolean();
  private final LongAdder acknowledged = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final byte[] formatHeader =
      Byte.toString(UsageRecordFormat.VERSION).getBytes(StandardCharsets.US_ASCII);

  private KafkaUsageSink(Builder b) {
    this.topic = b.topic;
    Map<String, Object> config = b.config();
    this.producers =
        b.producerFactory != null ? b.producerFactory : () -> new KafkaProducer<>(config);
    this.producer = producers.get();
  }

  /** A builder for a sink writing to the brokers in {@code bootstrapServers} ("host:port,..."). */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    if (shutdown.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("sink is shut down"));
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(batch.size());
    Producer<byte[], byte[]> producer = currentProducer();
    try {
      for (UsageEvent event : batch) {
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(
                topic, UsageRecordFormat.key(event), UsageRecordFormat.encode(event));
        record.headers().add(UsageRecordFormat.HEADER, formatHeader);
        producer.send(
            record,
            (metadata, error) -> {
              if (error != null) {
                failed.increment();
                if (isFatal(error)) {
                  replaceProducer = true;
                }
                done.completeExceptionally(classify(event, error));
              } else {
                acknowledged.increment();
                if (pending.decrementAndGet() == 0) {
                  done.complete(null);
                }
              }
            });
      }
    } catch (RuntimeException e) {
      // send() throws when metadata does not arrive within max.block.ms or the producer is closed.
      failed.increment();
      done.completeExceptionally(e);
    }
    return done;
  }

  /**
   * Errors after which this producer instance is unusable (its sequence or epoch no longer matches
   * the broker's): the next export builds a new producer (a new producer id). The batch itself is
   * retried by the pipeline; the store keeps each event once.
   */
  private static boolean isFatal(Exception error) {
    return error instanceof OutOfOrderSequenceException
        || error instanceof UnknownProducerIdException
        || error instanceof InvalidProducerEpochException
        || error instanceof ProducerFencedException;
  }

  private Producer<byte[], byte[]> currentProducer() {
    if (!replaceProducer) {
      return producer;
    }
    synchronized (producerLock) {
      if (replaceProducer && !shutdown.get()) {
        Producer<byte[], byte[]> old = producer;
        producer = producers.get();
        replaceProducer = false;
        producersReplaced.increment();
        try {
          old.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
          // it failed already; its unsent records are retried through the pipeline
        }
      }
      return producer;
    }
  }

  /** Producers replaced after a fatal sequence or epoch error. */
  public long producersReplaced() {
    return producersReplaced.sum();
  }

  private static Throwable classify(UsageEvent event, Exception error) {
    if (error instanceof RecordTooLargeException) {
      return new UsageRejectedException(
          "event " + event.id() + " is too large for the broker: " + error.getMessage(), error);
    }
    return error;
  }

  /** Records the broker acknowledged since this sink was built. */
  public long acknowledged() {
    return acknowledged.sum();
  }

  /** Records whose send failed (each failure fails its batch's export). */
  public long failed() {
    return failed.sum();
  }

  /** The topic this sink writes to. */
  public String topic() {
    return topic;
  }

  /** Closes the producer, waiting at most the delivery timeout for records in flight. */
  @Override
  public CompletableFuture<Void> shutdown() {
    if (shutdown.compareAndSet(false, true)) {
      synchronized (producerLock) {
        producer.close(DEFAULT_DELIVERY_TIMEOUT);
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public String name() {
    return "kafka:" + topic;
  }

  /** Settings of a {@link KafkaUsageSink}; each value is checked when it is set. */
  public static final class Builder {
    private final String bootstrapServers;
    private String topic = DEFAULT_TOPIC;
    private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
    private Duration linger = DEFAULT_LINGER;
    private String compression = DEFAULT_COMPRESSION;
    private String clientId = "tally-producer-" + IDS.incrementAndGet();
    private Map<String, Object> properties = Map.of();
    private @Nullable Supplier<Producer<byte[], byte[]>> producerFactory;

    private Builder(String bootstrapServers) {
      this.bootstrapServers = ClientSettings.requireText("bootstrapServers", bootstrapServers);
    }

    /** The topic. Default {@value #DEFAULT_TOPIC}. */
    public Builder topic(String topic) {
      this.topic = ClientSettings.topic("topic", topic);
      return this;
    }

    /**
     * How long a batch may wait for the broker before its export fails (producer {@code
     * delivery.timeout.ms}; {@code max.block.ms} and {@code request.timeout.ms} are derived from
     * it). Keep it under the pipeline's export timeout. Default 9 s.
     */
    public Builder deliveryTimeout(Duration timeout) {
      ClientSettings.positive("deliveryTimeout", timeout);
      if (timeout.toMillis() < 1000) {
        throw new IllegalArgumentException("deliveryTimeout must be >= 1s, was " + timeout);
      }
      this.deliveryTimeout = timeout;
      return this;
    }

    /** Producer {@code linger.ms}. Default 5 ms. */
    public Builder linger(Duration linger) {
      if (linger == null || linger.isNegative()) {
        throw new IllegalArgumentException("linger must be >= 0, was " + linger);
      }
      this.linger = linger;
      return this;
    }

    /** Producer {@code compression.type}: none, gzip, snappy, lz4 or zstd. Default lz4. */
    public Builder compression(String compression) {
      if (!Set.of("none", "gzip", "snappy", "lz4", "zstd").contains(compression)) {
        throw new IllegalArgumentException(
            "compression must be none, gzip, snappy, lz4 or zstd, was '" + compression + "'");
      }
      this.compression = compression;
      return this;
    }

    /** Producer {@code client.id}. Default {@code tally-producer-N}. */
    public Builder clientId(String clientId) {
      this.clientId = ClientSettings.requireText("clientId", clientId);
      return this;
    }

    /**
     * Producer properties passed through as they are: security ({@code security.protocol}, {@code
     * sasl.*}, {@code ssl.*}) and tuning, which win over the builder's values. Refused: serializers
     * and {@code transactional.id}, and any value of {@code acks} or {@code enable.idempotence}
     * that would weaken delivery.
     */
    public Builder properties(Map<String, ?> properties) {
      this.properties = ClientSettings.copy("properties", properties);
      return this;
    }

    /** Builds producers with this instead of from the configuration (failure injection). */
    Builder producerFactory(Supplier<Producer<byte[], byte[]>> factory) {
      this.producerFactory = factory;
      return this;
    }

    Map<String, Object> config() {
      long delivery = deliveryTimeout.toMillis();
      long request = Math.max(500, (delivery - linger.toMillis()) / 2);
      return ClientSettings.merge(
          bootstrapServers,
          Map.ofEntries(
              Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery),
              Map.entry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) request),
              Map.entry(ProducerConfig.MAX_BLOCK_MS_CONFIG, request),
              Map.entry(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis()),
              Map.entry(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression),
              Map.entry(ProducerConfig.CLIENT_ID_CONFIG, clientId)),
          properties,
          Map.of(
              ProducerConfig.ACKS_CONFIG,
              "all",
              ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
              "true",
              ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
              ByteArraySerializer.class,
              ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
              ByteArraySerializer.class),
          OWNED);
    }

    /** Builds the sink and its producer (no connection is made until the first export). */
    public KafkaUsageSink build() {
      return new KafkaUsageSink(this);
    }
  }
}
