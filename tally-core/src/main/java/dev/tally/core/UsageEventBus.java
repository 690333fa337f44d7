package dev.tally.core;

import dev.tally.core.internal.DefaultUsageEventBus;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Typed publish and subscribe for domain events: business code publishes what happened ({@code
 * ChatCompleted}), listeners turn it into usage. The publisher never waits for a listener, and a
 * listener that throws or is slow never affects the publisher or the other listeners: its failure
 * is counted, logged at WARN the first time and at DEBUG after that.
 *
 * <pre>{@code
 * bus.subscribe(ChatCompleted.class, e -> tracker.track(tracker.event("chat")
 *     .subject(e.userId()).tokens(e.usage()).build()));
 * bus.publish(new ChatCompleted(userId, usage));
 * }</pre>
 *
 * <p>A listener subscribed to a type receives events of that type and its subtypes.
 */
public interface UsageEventBus extends AutoCloseable {

  /** Registers a listener; returns a handle that removes it. */
  <E> Subscription subscribe(Class<E> type, Consumer<? super E> listener);

  /**
   * Hands the event to every matching listener and returns. Never throws, never blocks: with the
   * asynchronous bus, when the listener executor's queue is full the delivery is dropped and
   * counted (see {@link EventBusStats#dropped()}).
   */
  void publish(Object event);

  /** Counters of publications and deliveries. */
  EventBusStats stats();

  /** Stops the executor after running what is queued, waiting at most the close timeout. */
  @Override
  void close();

  /**
   * An asynchronous bus: listeners run on {@code threads} daemon threads ({@code tally-events-N})
   * fed by a queue of {@code queueCapacity} deliveries.
   */
  static UsageEventBus async(int threads, int queueCapacity) {
    return DefaultUsageEventBus.async(threads, queueCapacity, Duration.ofSeconds(5));
  }

  /** An asynchronous bus with 2 threads and a queue of 10,000 deliveries. */
  static UsageEventBus async() {
    return async(2, 10_000);
  }

  /**
   * A bus that runs listeners on the publishing thread, for tests. Failures are still isolated and
   * counted; a slow listener does slow the publisher here.
   */
  static UsageEventBus synchronous() {
    return DefaultUsageEventBus.synchronous();
  }

  /** A registered listener. */
  interface Subscription extends AutoCloseable {
    /** Removes the listener; later publications no longer reach it. Idempotent. */
    void unsubscribe();

    @Override
    default void close() {
      unsubscribe();
    }
  }

  /**
   * @param published events published
   * @param delivered listener invocations that returned normally
   * @param failed listener invocations that threw
   * @param dropped deliveries refused because the listener queue was full or the bus was closed
   */
  record EventBusStats(long published, long delivered, long failed, long dropped) {}
}
