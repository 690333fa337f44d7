package dev.tally.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand, so durations are exact and nothing sleeps. Give it to a tracker
 * ({@code RecordingUsageTracker.create(clock)}) or anything else that takes a {@link Clock}.
 * Thread-safe; always in UTC.
 */
public final class MutableClock extends Clock {
  private volatile Instant now;

  public MutableClock(Instant start) {
    this.now = start;
  }

  /** Moves the clock forward (or back, with a negative duration). */
  public void advance(Duration by) {
    now = now.plus(by);
  }

  /** Sets the clock to an instant. */
  public void set(Instant instant) {
    now = instant;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a test clock stays in UTC");
  }
}
