package dev.tally.kafka.internal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;

/**
 * Sends poison records to the dead-letter topic: the original key, value and headers, plus headers
 * that say where the record came from and why it was refused. Waits for the broker's
 * acknowledgement, because the record's offset is committed right after.
 */
public final class DeadLetterPublisher {
  public static final String REASON = "tally-dlt-reason";
  public static final String SOURCE_TOPIC = "tally-dlt-topic";
  public static final String SOURCE_PARTITION = "tally-dlt-partition";
  public static final String SOURCE_OFFSET = "tally-dlt-offset";
  public static final String AT = "tally-dlt-at";
  private static final int MAX_REASON_CHARS = 1000;

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final Clock clock;

  public DeadLetterPublisher(Producer<byte[], byte[]> producer, String topic, Clock clock) {
    this.producer = producer;
    this.topic = topic;
    this.clock = clock;
  }

  /**
   * Sends each record and waits for all acknowledgements.
   *
   * @throws IllegalStateException if one was not acknowledged within {@code timeout}
   */
  public void publish(List<IngestLoop.Poison> poison, Duration timeout) {
    List<Future<RecordMetadata>> sent = new ArrayList<>(poison.size());
    String at = clock.instant().toString();
    for (IngestLoop.Poison p : poison) {
      ConsumerRecord<byte[], byte[]> r = p.record();
      ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, r.key(), r.value());
      for (Header h : r.headers()) {
        out.headers().add(h);
      }
      String reason =
          p.reason().length() > MAX_REASON_CHARS
              ? p.reason().substring(0, MAX_REASON_CHARS)
              : p.reason();
      out.headers()
          .add(REASON, utf8(reason))
          .add(SOURCE_TOPIC, utf8(r.topic()))
          .add(SOURCE_PARTITION, utf8(Integer.toString(r.partition())))
          .add(SOURCE_OFFSET, utf8(Long.toString(r.offset())))
          .add(AT, utf8(at));
      sent.add(producer.send(out));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        throw new IllegalStateException("dead letter not sent: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException("dead letter not acknowledged within " + timeout, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  public void close() {
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException ignored) {
      // closing on the way out
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
