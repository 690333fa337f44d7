package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sink that answers late, for testing slow stores and full queues. Each export completes after
 * the configured delay; only then are its events stored in the {@link #delegate()}. The delay runs
 * on the sink's own daemon thread ({@code tally-test-slow-sink-N}), so {@link #export} returns at
 * once and never blocks the caller.
 *
 * <p>{@link #hold()} closes a gate: exports made while it is closed wait, unfinished and unstored,
 * until {@link #release()} (their delay starts then). Use it to keep events queued in a pipeline
 * for as long as a test needs, without relying on timing.
 *
 * <p>{@link #flush()} completes when every export started before it has completed. {@link
 * #shutdown()} stops the thread and fails every export still waiting, so nothing hangs; later
 * exports fail at once. Thread-safe; never throws from {@link #export}.
 */
public final class SlowUsageSink implements UsageSink {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private final InMemoryUsageSink delegate;
  private final Duration delay;
  private final ScheduledExecutorService scheduler;
  private final Object gateLock = new Object();
  private final List<Runnable> held = new ArrayList<>();
  private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();
  private boolean holding;
  private volatile boolean shutDown;

  /** A sink whose exports complete after {@code delay}, storing into a new in-memory sink. */
  public SlowUsageSink(Duration delay) {
    this(delay, new InMemoryUsageSink());
  }

  /**
   * A sink whose exports complete after {@code delay}, storing into {@code delegate}.
   *
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public SlowUsageSink(Duration delay, InMemoryUsageSink delegate) {
    Objects.requireNonNull(delay, "delay must not be null");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
    this.delay = delay;
    this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread t = new Thread(task, "tally-test-slow-sink-" + THREAD_IDS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Closes the gate: exports from now on wait until {@link #release()}. Returns this sink. */
  public SlowUsageSink hold() {
    synchronized (gateLock) {
      holding = true;
    }
    return this;
  }

  /**
   * Opens the gate: waiting exports start their delay now, and new exports are no longer held.
   * Returns this sink.
   */
  public SlowUsageSink release() {
    List<Runnable> waiting;
    synchronized (gateLock) {
      holding = false;
      waiting = new ArrayList<>(held);
      held.clear();
    }
    waiting.forEach(Runnable::run);
    return this;
  }

  /** How many exports have been called but not completed yet, held ones included. */
  public int pendingExports() {
    return pending.size();
  }

  /** How many exports are waiting for {@link #release()}. */
  public int heldExports() {
    synchronized (gateLock) {
      return held.size();
    }
  }

  /** The delay of each export. */
  public Duration delay() {
    return delay;
  }

  /** The sink that stores each batch once its export completes. */
  public InMemoryUsageSink delegate() {
    return delegate;
  }

  /**
   * Returns at once a future that completes after the delay (and after {@link #release()} when
   * held), once the batch is stored. Fails if the sink is shut down before then.
   */
  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    if (shutDown) {
      return shutDownFailure();
    }
    List<UsageEvent> events;
    try {
      events = List.copyOf(batch);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    pending.add(result);
    result.whenComplete((ok, error) -> pending.remove(result));
    Runnable start = () -> schedule(events, result);
    synchronized (gateLock) {
      if (shutDown) {
        // shutdown() has already failed what was pending; this one must not wait forever.
        result.completeExceptionally(new IllegalStateException(name() + " is shut down"));
        return result;
      }
      if (holding) {
        held.add(start);
        return result;
      }
    }
    start.run();
    return result;
  }

  private void schedule(List<UsageEvent> events, CompletableFuture<Void> result) {
    try {
      scheduler.schedule(
          () -> {
            delegate
                .export(events)
                .whenComplete(
                    (ok, error) -> {
                      if (error != null) {
                        result.completeExceptionally(error);
                      } else {
                        result.complete(null);
                      }
                    });
          },
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new IllegalStateException(name() + " is shut down; export refused", e));
    }
  }

  /** Completes when every export started before this call has completed, however it ended. */
  @Override
  public CompletableFuture<Void> flush() {
    CompletableFuture<?>[] inFlight =
        pending.stream()
            .map(f -> f.handle((ok, error) -> null))
            .toArray(CompletableFuture<?>[]::new);
    return CompletableFuture.allOf(inFlight);
  }

  /**
   * Stops the delay thread, fails every export that has not completed, and shuts the delegate down.
   * Completes at once.
   */
  @Override
  public CompletableFuture<Void> shutdown() {
    shutDown = true;
    scheduler.shutdownNow();
    synchronized (gateLock) {
      held.clear();
      holding = false;
    }
    IllegalStateException failure =
        new IllegalStateException(name() + " was shut down before the export completed");
    for (CompletableFuture<Void> f : List.copyOf(pending)) {
      f.completeExceptionally(failure);
    }
    return delegate.shutdown();
  }

  private CompletableFuture<Void> shutDownFailure() {
    return CompletableFuture.failedFuture(
        new IllegalStateException(name() + " is shut down; export refused"));
  }

  @Override
  public String toString() {
    return name() + "[delay=" + delay + ", pending=" + pendingExports() + "]";
  }
}
