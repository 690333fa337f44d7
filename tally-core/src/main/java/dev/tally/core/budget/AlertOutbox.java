package dev.tally.core.budget;

import java.time.Instant;
import java.util.List;

/**
 * Durable alerts waiting for delivery. {@link #enqueue} is the once-only gate: it stores an alert
 * only if no alert with its id exists, atomically, so concurrent or repeated evaluations fire a
 * threshold once.
 */
public interface AlertOutbox {

  /** Stores the alert unless its id exists; true when it was newly stored. */
  boolean enqueue(Alert alert);

  /** Undelivered alerts whose next attempt is due at {@code now}, oldest first. */
  List<Pending> due(Instant now, int limit);

  /** Marks an alert delivered. */
  void delivered(String alertId, Instant at);

  /** Records a failed attempt and when to try again. */
  void failed(String alertId, Instant nextAttemptAt, String error);

  /** The most recent alerts, newest first, delivered or not. */
  List<Entry> recent(int limit);

  /** An alert with its delivery attempts so far. */
  record Pending(Alert alert, int attempts) {}

  /** An alert and its delivery state. */
  record Entry(
      Alert alert,
      int attempts,
      @org.jspecify.annotations.Nullable Instant deliveredAt,
      @org.jspecify.annotations.Nullable String lastError) {}
}
