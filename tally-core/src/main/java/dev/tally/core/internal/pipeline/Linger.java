package dev.tally.core.internal.pipeline;

import java.util.concurrent.TimeUnit;

/**
 * How long a worker that lingers for a fuller batch parks before it looks again. Every look is a
 * wake-up of the worker thread (a context switch of several microseconds on a busy machine), and
 * nothing is gained by looking before the batch can be full or the flush interval is over: events
 * wait in the queue (or the journal) meanwhile. So the step follows the arrival rate — half the
 * time the missing events need at the rate seen so far in this linger, else at the rate of the last
 * one — between {@link #MIN_STEP_NANOS}, where a fast stream of events is looked at as often as
 * before, and {@link #MAX_STEP_NANOS}, the longest the worker ever parks while events wait (the
 * same bound as its idle back-off, so a burst after a quiet spell waits no longer than it would
 * after an idle park).
 *
 * <p>One instance per worker thread; not thread-safe.
 */
final class Linger {
  /** The shortest step: a linger under a fast stream of events looks every 2 ms. */
  static final long MIN_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** The longest step. */
  static final long MAX_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final int batchSize;
  private long startedAt;
  private int sizeAtStart;
  private double learnedNanosPerEvent; // from the last linger; 0 = nothing learned yet

  Linger(int batchSize) {
    this.batchSize = batchSize;
  }

  /** A linger begins with {@code size} events in hand. */
  void begin(long nowNanos, int size) {
    startedAt = nowNanos;
    sizeAtStart = size;
  }

  /**
   * The next park, at most {@code remainingNanos} (what is left of the flush interval), with {@code
   * size} events in hand now.
   */
  long step(long nowNanos, int size, long remainingNanos) {
    double perEvent = nanosPerEvent(nowNanos, size);
    long step = MIN_STEP_NANOS;
    if (perEvent > 0) {
      double fill = perEvent * Math.max(0, batchSize - size) / 2;
      step = (long) Math.max(MIN_STEP_NANOS, Math.min(MAX_STEP_NANOS, fill));
    }
    return Math.max(0, Math.min(remainingNanos, step));
  }

  /** The linger ended with {@code size} events in hand; its rate guides the next one. */
  void end(long nowNanos, int size) {
    double perEvent = nanosPerEvent(nowNanos, size);
    if (perEvent > 0) {
      learnedNanosPerEvent = perEvent;
    }
  }

  private double nanosPerEvent(long nowNanos, int size) {
    long elapsed = nowNanos - startedAt;
    int arrived = size - sizeAtStart;
    if (elapsed <= 0) {
      return learnedNanosPerEvent;
    }
    if (arrived > 0) {
      return (double) elapsed / arrived;
    }
    // Nothing arrived yet: the rate is below one event per elapsed time, and no faster than
    // the last linger's if that was slower still.
    return Math.max(elapsed, learnedNanosPerEvent);
  }
}
