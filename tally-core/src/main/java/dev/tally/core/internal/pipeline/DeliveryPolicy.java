package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.Backoff;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.pipeline.DropReason;
import dev.tally.core.sink.UsageRejectedException;
import java.io.IOException;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * How a batch reaches the sink: a failed export is retried with {@link Backoff}; a {@link
 * UsageRejectedException} (bad data) splits the batch in halves until the bad event is alone, which
 * goes to the dead-letter file; when the retries run out, or an export stalls, the sink is marked
 * unhealthy and the batch stays pending (in the journal). Worker thread only.
 */
final class DeliveryPolicy {
  /** Waits a number of ticker nanoseconds; false when cut short by shutdown. */
  interface Pause {
    boolean pause(long nanos);
  }

  private final SinkExporter exporter;
  private final Backoff backoff;
  private final int maxRetries;
  private final SinkHealth health;
  private final DeadLetterFile deadLetter;
  private final PipelineCounters counters;
  private final OnceLogger failures;
  private final Clock clock;
  private final Pause pause;
  private final BooleanSupplier closing;

  DeliveryPolicy(
      SinkExporter exporter,
      Backoff backoff,
      int maxRetries,
      SinkHealth health,
      DeadLetterFile deadLetter,
      PipelineCounters counters,
      OnceLogger failures,
      Clock clock,
      Pause pause,
      BooleanSupplier closing) {
    this.exporter = exporter;
    this.backoff = backoff;
    this.maxRetries = maxRetries;
    this.health = health;
    this.deadLetter = deadLetter;
    this.counters = counters;
    this.failures = failures;
    this.clock = clock;
    this.pause = pause;
    this.closing = closing;
  }

  /**
   * Tries to settle every event of {@code batch}: {@code 1 + maxRetries} attempts while the sink is
   * healthy, one (a probe) when it is not. True when all are settled; false when the sink is down
   * and the rest waits.
   *
   * @param maxWaitNanos bound on each export's wait (shutdown), or {@code Long.MAX_VALUE}
   */
  boolean deliver(PendingBatch batch, long maxWaitNanos) {
    int attempts = health.healthy() ? 1 + maxRetries : 1;
    for (int attempt = 1; ; attempt++) {
      int[] indexes = batch.unsettledIndexes();
      Throwable failure = deliver(batch, indexes, 0, indexes.length, maxWaitNanos);
      if (failure == null) {
        health.succeeded();
        return true;
      }
      // A stalled sink is not retried: another attempt cannot start while the call hangs.
      if (attempt >= attempts
          || closing.getAsBoolean()
          || failure instanceof SinkExporter.StalledExportException) {
        health.failed(failure, "its backlog waits in the journal");
        return false;
      }
      if (!pause.pause(backoff.nanos(attempt))) {
        return false;
      }
    }
  }

  /** Exports {@code indexes[from, to)}; null when all of them are settled. */
  private @Nullable Throwable deliver(
      PendingBatch batch, int[] indexes, int from, int to, long maxWaitNanos) {
    Throwable failure = exporter.export(batch.eventsAt(indexes, from, to), maxWaitNanos);
    if (failure == null) {
      for (int i = from; i < to; i++) {
        settleDelivered(batch, indexes[i]);
      }
      return null;
    }
    if (!(failure instanceof UsageRejectedException)) {
      return failure;
    }
    if (to - from == 1) {
      deadLetter(batch.events.get(indexes[from]), failure);
      batch.settle(indexes[from]);
      return null;
    }
    int half = from + (to - from) / 2;
    Throwable first = deliver(batch, indexes, from, half, maxWaitNanos);
    return first != null ? first : deliver(batch, indexes, half, to, maxWaitNanos);
  }

  private void settleDelivered(PendingBatch batch, int index) {
    batch.settle(index);
    counters.delivered.increment();
    if (batch.replayed(index)) {
      counters.replayed.increment();
    }
  }

  private void deadLetter(UsageEvent event, Throwable rejection) {
    try {
      deadLetter.write(event, String.valueOf(rejection.getMessage()), clock.instant());
      counters.deadLettered.increment();
      failures.failure(
          "dead-letter",
          "Tally: sink "
              + exporter.sinkName()
              + " rejected event "
              + event.id()
              + ": "
              + rejection.getMessage()
              + "; written to "
              + deadLetter.path());
    } catch (IOException | RuntimeException e) {
      counters.drop(DropReason.DEAD_LETTER_FAILED, 1);
      failures.failure("dead-letter-write", "Tally: could not write dead letter; event dropped", e);
    }
  }
}
