package dev.tally.core.budget;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends reservations that outlived their call: the caller crashed, or its settle never reached the
 * store. Those dispatched are settled at their estimate, the others released ({@link
 * ReservationStore#sweep}). Runs {@link #sweepOnce()} every {@code interval} on the daemon thread
 * {@code tally-reservation-sweeper}; any instance may run one, sweeps are idempotent.
 *
 * <p>Time comes from the injected clock. Defaults: reservations older than {@value
 * #DEFAULT_MAX_AGE_SECONDS} s are swept, every {@value #DEFAULT_INTERVAL_SECONDS} s.
 */
public final class ReservationSweeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReservationSweeper.class);

  /** A call that has not settled after 10 minutes is not coming back. */
  public static final long DEFAULT_MAX_AGE_SECONDS = 600;

  public static final long DEFAULT_INTERVAL_SECONDS = 30;

  private final ReservationStore store;
  private final Clock clock;
  private final Duration maxAge;
  private final Duration interval;
  private ScheduledExecutorService executor;

  public ReservationSweeper(
      ReservationStore store, Clock clock, Duration maxAge, Duration interval) {
    this.store = Objects.requireNonNull(store, "store must not be null");
    this.clock = Objects.requireNonNull(clock, "clock must not be null");
    if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be > 0, was " + maxAge);
    }
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be > 0, was " + interval);
    }
    this.maxAge = maxAge;
    this.interval = interval;
  }

  /** Sweeps reservations older than the max age as of the clock's now. */
  public ReservationStore.SweepResult sweepOnce() {
    Instant now = clock.instant();
    return store.sweep(now.minus(maxAge), now);
  }

  /** Starts the periodic sweep. */
  public synchronized ReservationSweeper start() {
    if (executor == null) {
      executor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tally-reservation-sweeper");
                t.setDaemon(true);
                return t;
              });
      executor.scheduleWithFixedDelay(
          this::sweepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void sweepQuietly() {
    try {
      ReservationStore.SweepResult r = sweepOnce();
      if (r.settledAtEstimate() + r.released() > 0) {
        log.info(
            "swept reservations: {} settled at their estimate, {} released",
            r.settledAtEstimate(),
            r.released());
      }
    } catch (RuntimeException e) {
      log.warn("reservation sweep failed, next in {}: {}", interval, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
