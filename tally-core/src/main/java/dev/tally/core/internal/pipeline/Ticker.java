package dev.tally.core.internal.pipeline;

/**
 * A source of monotonic nanoseconds, injected wherever the journal waits (the cap wait, the fsync
 * interval), so tests move time instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds from an arbitrary origin; only differences mean anything. */
  long nanos();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
