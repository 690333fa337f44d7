package dev.tally.kafka.internal;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import dev.tally.kafka.IngesterStats;
import dev.tally.kafka.UsageRecordFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingester's thread: poll, decode, store, dead-letter, commit — in that order, one batch at a
 * time, all on this thread.
 *
 * <p>Why this is exactly once in the store and loses nothing: a batch's offsets are committed only
 * after the sink acknowledged its events and the dead-letter topic acknowledged its poison records.
 * A failure anywhere before the commit rewinds the batch's partitions to the batch's first offsets
 * (the records are read again; the store ignores ids it has). Rebalance callbacks run only inside
 * {@code poll}, between batches, so a revoked partition never has a batch in progress: revocation
 * commits whatever was stored but not yet committed, and the next owner starts from there.
 */
public final class IngestLoop implements Runnable, ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(IngestLoop.class);
  // A store that stays down fails every batch: WARN once, then DEBUG (counted in the stats).
  private static final OnceLogger failures = new OnceLogger(log);

  private final Consumer<byte[], byte[]> consumer;
  private final DeadLetterPublisher deadLetters;
  private final UsageSink sink;
  private final String topic;
  private final Duration pollTimeout;
  private final Duration exportTimeout;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;

  private volatile boolean running = true;
  private volatile boolean started;
  private volatile boolean stopped;
  private volatile boolean sinkHealthy = true;
  private volatile int assigned;
  private final AtomicLong lag = new AtomicLong(-1);
  private final LongAdder received = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder stored = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder exportFailures = new LongAdder();
  private final LongAdder commits = new LongAdder();
  private final LongAdder commitFailures = new LongAdder();
  private final LongAdder rebalances = new LongAdder();

  /** Stored (or dead-lettered) but not yet committed, by partition: the next offset to read. */
  private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();

  private int failuresInARow;
  private long backoffUntilNanos;

  public IngestLoop(
      Consumer<byte[], byte[]> consumer,
      DeadLetterPublisher deadLetters,
      UsageSink sink,
      String topic,
      Duration pollTimeout,
      Duration exportTimeout,
      Duration initialBackoff,
      Duration maxBackoff) {
    this.consumer = consumer;
    this.deadLetters = deadLetters;
    this.sink = sink;
    this.topic = topic;
    this.pollTimeout = pollTimeout;
    this.exportTimeout = exportTimeout;
    this.initialBackoffNanos = initialBackoff.toNanos();
    this.maxBackoffNanos = maxBackoff.toNanos();
  }

  @Override
  public void run() {
    started = true;
    try {
      consumer.subscribe(List.of(topic), this);
      while (running) {
        try {
          step();
        } catch (WakeupException e) {
          // close() woke us; the loop condition decides
        } catch (RuntimeException e) {
          // A consumer error outside a batch (authorization, a fenced member): back off and poll
          // again; the consumer rejoins the group and reads from the committed offsets.
          failures.failure(
              "loop", "Kafka ingest loop error, reading again from the committed offsets: " + e);
          rewindToCommitted();
          failed(null);
        }
      }
    } finally {
      commitUncommitted(null);
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("closing the consumer", e);
      }
      deadLetters.close();
      stopped = true;
    }
  }

  private void step() {
    long now = System.nanoTime();
    if (backoffUntilNanos != 0 && now < backoffUntilNanos) {
      // Backing off: keep polling (heartbeats, rebalances) with every partition paused.
      consumer.pause(consumer.assignment());
      ConsumerRecords<byte[], byte[]> stray =
          consumer.poll(Duration.ofNanos(Math.min(backoffUntilNanos - now, pollTimeout.toNanos())));
      rewind(stray);
      return;
    }
    if (backoffUntilNanos != 0) {
      backoffUntilNanos = 0;
      consumer.resume(consumer.assignment());
    }
    ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
    updateLag();
    if (!records.isEmpty()) {
      process(records);
    }
  }

  private void process(ConsumerRecords<byte[], byte[]> records) {
    received.add(records.count());
    List<Item> items = new ArrayList<>(records.count());
    List<Poison> poison = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      next.put(
          new TopicPartition(record.topic(), record.partition()),
          new OffsetAndMetadata(record.offset() + 1));
      try {
        items.add(new Item(UsageRecordFormat.decode(record.value()), record));
      } catch (UsageRecordFormat.MalformedRecordException e) {
        poison.add(new Poison(record, e.getMessage()));
      }
    }
    try {
      store(items, poison);
      if (!poison.isEmpty()) {
        try {
          deadLetters.publish(poison, exportTimeout);
        } catch (RuntimeException e) {
          throw new TransientFailure("dead-letter topic did not acknowledge: " + e, e);
        }
        deadLettered.add(poison.size());
      }
    } catch (TransientFailure e) {
      exportFailures.increment();
      failures.failure(
          "batch", "Kafka ingest batch failed, reading it again after a pause: " + e.getMessage());
      failed(records);
      return;
    }
    sinkHealthy = true;
    failuresInARow = 0;
    uncommitted.putAll(next);
    commitUncommitted(null);
  }

  /** Stores the items; a rejected one is isolated by halving and moved to {@code poison}. */
  private void store(List<Item> items, List<Poison> poison) {
    if (items.isEmpty()) {
      return;
    }
    List<UsageEvent> events = new ArrayList<>(items.size());
    for (Item i : items) {
      events.add(i.event());
    }
    Throwable failure;
    try {
      sink.export(events).get(exportTimeout.toNanos(), TimeUnit.NANOSECONDS);
      stored.add(events.size());
      batches.increment();
      return;
    } catch (ExecutionException e) {
      failure = e.getCause() == null ? e : e.getCause();
    } catch (TimeoutException e) {
      throw new TransientFailure("export timed out after " + exportTimeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientFailure("interrupted", e);
    } catch (RuntimeException e) {
      // A sink that throws instead of failing its future is treated like a failed future.
      failure = e;
    }
    if (!(failure instanceof UsageRejectedException)) {
      throw new TransientFailure("export failed: " + failure, failure);
    }
    if (items.size() == 1) {
      poison.add(
          new Poison(items.get(0).record(), "rejected by the sink: " + failure.getMessage()));
      return;
    }
    int half = items.size() / 2;
    store(items.subList(0, half), poison);
    store(items.subList(half, items.size()), poison);
  }

  /** Rewinds the batch's partitions to its first offsets and starts a pause. */
  private void failed(@Nullable ConsumerRecords<byte[], byte[]> records) {
    sinkHealthy = records == null ? sinkHealthy : false;
    if (records != null) {
      rewind(records);
    }
    failuresInARow++;
    long ceiling =
        Math.min(maxBackoffNanos, initialBackoffNanos << Math.min(20, failuresInARow - 1));
    long pause = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    backoffUntilNanos = System.nanoTime() + pause;
  }

  private void rewind(ConsumerRecords<byte[], byte[]> records) {
    if (records.isEmpty()) {
      return;
    }
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
    }
    first.forEach(
        (tp, offset) -> {
          if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, offset);
          }
        });
  }

  /**
   * After an unexpected error the position of a partition may be past records that were never
   * stored: go back to what was committed (or to the start when nothing was).
   */
  private void rewindToCommitted() {
    try {
      var assignment = consumer.assignment();
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment);
      for (TopicPartition tp : assignment) {
        OffsetAndMetadata c = committed.get(tp);
        if (c != null) {
          consumer.seek(tp, c);
        } else {
          consumer.seekToBeginning(List.of(tp));
        }
      }
    } catch (RuntimeException e) {
      // The consumer itself is in trouble; it rejoins and starts from the committed offsets.
      log.debug("rewind to committed offsets failed", e);
    }
  }

  private void commitUncommitted(@Nullable Collection<TopicPartition> only) {
    Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
    uncommitted.forEach(
        (tp, offset) -> {
          if (only == null || only.contains(tp)) {
            toCommit.put(tp, offset);
          }
        });
    if (toCommit.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(toCommit);
      commits.increment();
    } catch (RuntimeException e) {
      // The records were stored; whoever reads them next finds their ids and stores nothing.
      commitFailures.increment();
      log.info("offset commit failed ({}); the records will be read again", e.toString());
    }
    toCommit.keySet().forEach(uncommitted::remove);
  }

  private void updateLag() {
    long sum = 0;
    boolean known = true;
    for (TopicPartition tp : consumer.assignment()) {
      var l = consumer.currentLag(tp);
      if (l.isPresent()) {
        sum += l.getAsLong();
      } else {
        known = false;
      }
    }
    assigned = consumer.assignment().size();
    lag.set(known ? sum : -1);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    rebalances.increment();
    commitUncommitted(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    rebalances.increment();
    // Another member may own them already: committing now would be refused or, worse, move
    // its offsets. What was stored is found again by id.
    partitions.forEach(uncommitted::remove);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    assigned = consumer.assignment().size();
    if (backoffUntilNanos != 0) {
      consumer.pause(partitions);
    }
  }

  /** Asks the loop to stop; the thread commits, closes the consumer and ends. */
  public void stop() {
    running = false;
    consumer.wakeup();
  }

  public boolean stopped() {
    return stopped;
  }

  public IngesterStats stats() {
    return new IngesterStats(
        started && !stopped && running,
        sinkHealthy,
        assigned,
        lag.get(),
        received.sum(),
        batches.sum(),
        stored.sum(),
        deadLettered.sum(),
        exportFailures.sum(),
        commits.sum(),
        commitFailures.sum(),
        rebalances.sum());
  }

  private record Item(UsageEvent event, ConsumerRecord<byte[], byte[]> record) {}

  /** A record the ingester cannot store, and why. */
  public record Poison(ConsumerRecord<byte[], byte[]> record, String reason) {}

  private static final class TransientFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TransientFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
