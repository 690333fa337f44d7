package dev.tally.core;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A ticker that moves only when a test moves it, and counts how often it was read. */
final class ManualTicker implements LongSupplier {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong reads = new AtomicLong();

  @Override
  public long getAsLong() {
    reads.incrementAndGet();
    return nanos.get();
  }

  void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }

  /**
   * Waits until the ticker has been read twice more: the worker, once a call to the sink has
   * returned, reads it to set its next deadline and then to check it. Moving the ticker before that
   * would move the deadline with it.
   */
  void awaitWorkerWaiting() {
    long seen = reads.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> reads.get() >= seen + 2);
  }
}
