package dev.tally.core;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A hand-written sink for pipeline tests: stores ids (counting how often each was delivered), and
 * can be switched down, slowed, held at a gate, made to throw, or made to reject chosen events.
 */
final class TestSink implements UsageSink {
  private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  private final List<UsageEvent> stored = new CopyOnWriteArrayList<>();
  private final AtomicLong exportCalls = new AtomicLong();
  private final AtomicLong failedCalls = new AtomicLong();
  private final boolean keepEvents;
  private volatile boolean down;
  private volatile boolean throwing;
  private volatile long delayMillis;
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
  private volatile Predicate<UsageEvent> rejected = e -> false;

  TestSink(boolean keepEvents) {
    this.keepEvents = keepEvents;
  }

  static TestSink keepingEvents() {
    return new TestSink(true);
  }

  static TestSink countingIds() {
    return new TestSink(false);
  }

  TestSink down() {
    down = true;
    return this;
  }

  TestSink up() {
    down = false;
    return this;
  }

  TestSink throwing(boolean value) {
    throwing = value;
    return this;
  }

  TestSink delay(long millis) {
    delayMillis = millis;
    return this;
  }

  TestSink hold() {
    gate = new CompletableFuture<>();
    return this;
  }

  TestSink release() {
    gate.complete(null);
    return this;
  }

  TestSink reject(Predicate<UsageEvent> predicate) {
    rejected = predicate;
    return this;
  }

  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    exportCalls.incrementAndGet();
    if (throwing) {
      failedCalls.incrementAndGet();
      throw new IllegalStateException("sink throws (injected)");
    }
    return gate.thenCompose(
        ignored -> {
          if (down) {
            failedCalls.incrementAndGet();
            return CompletableFuture.failedFuture(
                new UncheckedIOException(new IOException("sink down (injected)")));
          }
          for (UsageEvent e : batch) {
            if (rejected.test(e)) {
              return CompletableFuture.failedFuture(
                  new UsageRejectedException("bad value in event " + e.id()));
            }
          }
          Runnable store =
              () -> {
                for (UsageEvent e : batch) {
                  if (deliveries.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet()
                          == 1
                      && keepEvents) {
                    stored.add(e);
                  }
                }
              };
          long delay = delayMillis;
          if (delay == 0) {
            store.run();
            return CompletableFuture.completedFuture(null);
          }
          return CompletableFuture.runAsync(
              store, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS));
        });
  }

  int distinctIds() {
    return deliveries.size();
  }

  /** Ids delivered more than once. */
  long duplicates() {
    return deliveries.values().stream().filter(c -> c.get() > 1).count();
  }

  boolean has(String id) {
    return deliveries.containsKey(id);
  }

  List<UsageEvent> events() {
    return List.copyOf(stored);
  }

  long exportCalls() {
    return exportCalls.get();
  }

  long failedCalls() {
    return failedCalls.get();
  }
}
