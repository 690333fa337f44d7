package dev.tally.core.internal.pipeline;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group fsync of {@link dev.tally.core.pipeline.Durability#MACHINE}: a daemon thread ({@code
 * tally-journal-fsync-N}) that forces the journal to disk once per interval, timed by the injected
 * {@link Ticker}. Appenders never wait for it.
 */
final class GroupSync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupSync.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final long MIN_PARK = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long MAX_PARK = TimeUnit.MILLISECONDS.toNanos(50);

  private final Runnable sync;
  private final long intervalNanos;
  private final Ticker ticker;
  private final Thread thread;
  private final long firstDeadline;
  private volatile boolean closed;

  GroupSync(Runnable sync, long intervalNanos, Ticker ticker) {
    this.sync = sync;
    this.intervalNanos = intervalNanos;
    this.ticker = ticker;
    // Read here, not on the new thread: it may start late, after the ticker has moved on.
    this.firstDeadline = ticker.nanos() + intervalNanos;
    this.thread = new Thread(this::run, "tally-journal-fsync-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    long next = firstDeadline;
    while (!closed) {
      long now = ticker.nanos();
      long remaining = next - now;
      if (remaining > 0) {
        // Park in real time, but never long: a test's ticker may jump ahead at any moment.
        LockSupport.parkNanos(this, Math.max(MIN_PARK, Math.min(remaining, MAX_PARK)));
        continue;
      }
      try {
        sync.run();
      } catch (RuntimeException e) {
        log.warn("Tally journal: group fsync failed; retrying next interval: {}", e.toString());
      }
      next += intervalNanos;
      if (next <= now) {
        next = now + intervalNanos; // fell behind: no back-to-back fsyncs
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
