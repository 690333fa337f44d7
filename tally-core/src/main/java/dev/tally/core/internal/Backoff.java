package dev.tally.core.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with jitter: attempt {@code n} waits a random time in {@code [d/2, d]}, where
 * {@code d = initial * 2^(n-1)} capped at {@code max}. Half the pause is fixed so retries never
 * hammer; the other half is random so many instances spread out. Used by the pipeline (export
 * retries and the probe schedule) and by the alert dispatcher.
 */
public final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final LongUnaryOperator random;

  /**
   * @param random given {@code bound > 0}, a value in {@code [0, bound)}; tests pass a fixed one
   */
  public Backoff(Duration initial, Duration max, LongUnaryOperator random) {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be > 0, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff must be >= initialBackoff " + initial + ", was " + max);
    }
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** With {@link ThreadLocalRandom} jitter. */
  public Backoff(Duration initial, Duration max) {
    this(initial, max, bound -> ThreadLocalRandom.current().nextLong(bound));
  }

  /** The pause before attempt {@code attempt} (1 for the first retry), in nanoseconds. */
  public long nanos(int attempt) {
    int shift = Math.min(Math.max(attempt, 1) - 1, 40);
    long base = initialNanos << shift;
    long capped = base <= 0 || base > maxNanos || (base >> shift) != initialNanos ? maxNanos : base;
    return capped / 2 + random.applyAsLong(capped / 2 + 1);
  }

  /** {@link #nanos} as a duration. */
  public Duration duration(int attempt) {
    return Duration.ofNanos(nanos(attempt));
  }
}
