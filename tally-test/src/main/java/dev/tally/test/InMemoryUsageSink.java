package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.UsageQueries;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.sink.UsageSink;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link UsageSink} that keeps events in memory, for tests. It honours the whole sink contract,
 * so it passes the {@link UsageSinkConformanceTest}:
 *
 * <ul>
 *   <li>Idempotent by id: an id it already holds is ignored, also when one batch carries it twice.
 *   <li>Thread-safe: any number of threads may export at once.
 *   <li>An empty batch completes at once and stores nothing.
 *   <li>After {@link #shutdown()}, {@link #export} returns a failed future. It never throws and
 *       never blocks.
 * </ul>
 *
 * <p>Every export completes before it returns (the future is already done). Besides the stored
 * events it counts {@linkplain #exportCalls() export calls} and {@linkplain #receivedCount(String)
 * how often each id was offered}, so a test can see duplicate deliveries that idempotence hid.
 *
 * <p>It also answers the core query model ({@link UsageQueries}) over what it stored, as the JDBC
 * store does: the {@link UsageQueriesConformanceTest} checks that both give the same reports, event
 * pages and refusals for the same events. It answers every report from its events (the report's
 * source is {@code RAW}), with exact percentiles; it refuses {@code ROLLUPS} where a store with
 * hourly rollups would. Queries read a snapshot and never block exports for long; they are meant
 * for tests, not for millions of events.
 */
public final class InMemoryUsageSink implements UsageSink, UsageQueries {
  private final Object lock = new Object();
  // Insertion order is arrival order.
  private final LinkedHashMap<String, UsageEvent> stored = new LinkedHashMap<>();
  private final Map<String, Integer> received = new HashMap<>();
  private final AtomicLong exportCalls = new AtomicLong();
  private volatile boolean shutDown;

  /** An empty sink. */
  public InMemoryUsageSink() {}

  /**
   * Stores every event whose id is new and completes. Never throws: a null batch or element, or any
   * export after {@link #shutdown()}, gives a failed future instead.
   */
  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    exportCalls.incrementAndGet();
    if (shutDown) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(name() + " is shut down; export refused"));
    }
    try {
      // Copying first rejects a null element before anything is stored: all or nothing.
      List<UsageEvent> events = List.copyOf(batch);
      synchronized (lock) {
        for (UsageEvent event : events) {
          String id = event.id();
          received.merge(id, 1, Integer::sum);
          stored.putIfAbsent(id, event);
        }
      }
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Completes at once: everything exported is already stored. */
  @Override
  public CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Marks the sink shut down, so later exports fail. Stored events stay readable. Completes at
   * once.
   */
  @Override
  public CompletableFuture<Void> shutdown() {
    shutDown = true;
    return CompletableFuture.completedFuture(null);
  }

  /** Whether {@link #shutdown()} was called. */
  public boolean isShutDown() {
    return shutDown;
  }

  /** The stored events, each id once, in the order they first arrived. A copy. */
  public List<UsageEvent> events() {
    synchronized (lock) {
      return List.copyOf(stored.values());
    }
  }

  /** The ids of the stored events, in arrival order. A copy. */
  public Set<String> ids() {
    synchronized (lock) {
      return Collections.unmodifiableSet(new LinkedHashSet<>(stored.keySet()));
    }
  }

  /** How many distinct events are stored. */
  public int size() {
    synchronized (lock) {
      return stored.size();
    }
  }

  /** How many times {@link #export} was called, including failed and empty calls. */
  public long exportCalls() {
    return exportCalls.get();
  }

  /**
   * How many times an event with this id was offered to a successful export, duplicates included.
   * More than 1 means the event was delivered again (a retry or a replay); it is still stored once.
   * 0 for an unknown id.
   */
  public int receivedCount(String id) {
    synchronized (lock) {
      return received.getOrDefault(id, 0);
    }
  }

  /**
   * Forgets every stored event and received count and resets {@link #exportCalls()}. Does not undo
   * {@link #shutdown()}.
   */
  public void clear() {
    synchronized (lock) {
      stored.clear();
      received.clear();
      exportCalls.set(0);
    }
  }

  /** A report over the stored events; see {@link UsageQueries#report}. */
  @Override
  public UsageReport report(UsageQuery query) {
    return InMemoryQueries.report(events(), Objects.requireNonNull(query, "query"));
  }

  /** A page of the stored events; see {@link UsageQueries#events}. */
  @Override
  public EventPage events(EventQuery query) {
    return InMemoryQueries.events(events(), Objects.requireNonNull(query, "query"));
  }

  @Override
  public String toString() {
    return name() + "[size=" + size() + ", exportCalls=" + exportCalls() + "]";
  }
}
