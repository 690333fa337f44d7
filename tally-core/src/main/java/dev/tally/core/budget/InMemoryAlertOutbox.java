package dev.tally.core.budget;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An outbox in memory: once-only within one process. Use the JDBC outbox where alerts must survive
 * a restart.
 */
public final class InMemoryAlertOutbox implements AlertOutbox {
  private final Map<String, State> alerts = new LinkedHashMap<>();

  private static final class State {
    final Alert alert;
    int attempts;
    Instant nextAttempt;
    @Nullable Instant deliveredAt;
    @Nullable String lastError;

    State(Alert alert) {
      this.alert = alert;
      this.nextAttempt = alert.firedAt();
    }
  }

  @Override
  public synchronized boolean enqueue(Alert alert) {
    return alerts.putIfAbsent(alert.id(), new State(alert)) == null;
  }

  @Override
  public synchronized List<Pending> due(Instant now, int limit) {
    List<Pending> due = new ArrayList<>();
    for (State s : alerts.values()) {
      if (s.deliveredAt == null && !s.nextAttempt.isAfter(now) && due.size() < limit) {
        due.add(new Pending(s.alert, s.attempts));
      }
    }
    return due;
  }

  @Override
  public synchronized void delivered(String alertId, Instant at) {
    State s = alerts.get(alertId);
    if (s != null) {
      s.attempts++;
      s.deliveredAt = at;
      s.lastError = null;
    }
  }

  @Override
  public synchronized void failed(String alertId, Instant nextAttemptAt, String error) {
    State s = alerts.get(alertId);
    if (s != null) {
      s.attempts++;
      s.nextAttempt = nextAttemptAt;
      s.lastError = error;
    }
  }

  @Override
  public synchronized List<Entry> recent(int limit) {
    return alerts.values().stream()
        .sorted(Comparator.comparing((State s) -> s.alert.firedAt()).reversed())
        .limit(limit)
        .map(s -> new Entry(s.alert, s.attempts, s.deliveredAt, s.lastError))
        .toList();
  }
}
