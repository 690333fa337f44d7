package dev.tally.core.internal;

import dev.tally.core.UsageEventBus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The bus behind {@link UsageEventBus#async} and {@link UsageEventBus#synchronous()}. */
public final class DefaultUsageEventBus implements UsageEventBus {
  private static final Logger log = LoggerFactory.getLogger(DefaultUsageEventBus.class);
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private final List<Listener<?>> listeners = new CopyOnWriteArrayList<>();
  private final @Nullable ThreadPoolExecutor executor;
  private final Duration closeTimeout;
  private final OnceLogger failures = new OnceLogger(log);
  private final LongAdder published = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder dropped = new LongAdder();

  private DefaultUsageEventBus(@Nullable ThreadPoolExecutor executor, Duration closeTimeout) {
    this.executor = executor;
    this.closeTimeout = closeTimeout;
  }

  public static UsageEventBus async(int threads, int queueCapacity, Duration closeTimeout) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be > 0, was " + threads);
    }
    if (queueCapacity <= 0) {
      throw new IllegalArgumentException("queueCapacity must be > 0, was " + queueCapacity);
    }
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queueCapacity),
            runnable -> {
              Thread t = new Thread(runnable, "tally-events-" + THREAD_IDS.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    return new DefaultUsageEventBus(pool, closeTimeout);
  }

  public static UsageEventBus synchronous() {
    return new DefaultUsageEventBus(null, Duration.ZERO);
  }

  @Override
  public <E> Subscription subscribe(Class<E> type, Consumer<? super E> listener) {
    Objects.requireNonNull(type, "type must not be null");
    Objects.requireNonNull(listener, "listener must not be null");
    Listener<E> entry = new Listener<>(type, listener);
    listeners.add(entry);
    return () -> listeners.remove(entry);
  }

  @Override
  public void publish(Object event) {
    if (event == null) {
      failures.failure("null-event", "Tally: a null event was published and ignored");
      return;
    }
    published.increment();
    for (Listener<?> listener : listeners) {
      if (!listener.type().isInstance(event)) {
        continue;
      }
      Runnable delivery = () -> deliver(listener, event);
      Executor pool = executor;
      if (pool == null) {
        delivery.run();
        continue;
      }
      try {
        pool.execute(delivery);
      } catch (RejectedExecutionException e) {
        dropped.increment();
        failures.failure(
            "dropped",
            "Tally: event bus queue full or closed; "
                + event.getClass().getSimpleName()
                + " not delivered to "
                + listener.name());
      }
    }
  }

  private <E> void deliver(Listener<E> listener, Object event) {
    try {
      listener.consumer().accept(listener.type().cast(event));
      delivered.increment();
    } catch (Throwable t) {
      failed.increment();
      failures.failure(
          "listener-" + listener.name(),
          "Tally: listener " + listener.name() + " failed on " + event.getClass().getSimpleName(),
          t);
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
    }
  }

  @Override
  public EventBusStats stats() {
    return new EventBusStats(published.sum(), delivered.sum(), failed.sum(), dropped.sum());
  }

  @Override
  public void close() {
    ThreadPoolExecutor pool = executor;
    if (pool == null || pool.isShutdown()) {
      return;
    }
    pool.shutdown();
    try {
      if (!pool.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        List<Runnable> pending = pool.shutdownNow();
        dropped.add(pending.size());
        log.warn("Tally: event bus closed with {} deliveries not run", pending.size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
  }

  private record Listener<E>(Class<E> type, Consumer<? super E> consumer) {
    String name() {
      return consumer.getClass().getName();
    }
  }
}
