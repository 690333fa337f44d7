package dev.tally.core.budget;

import dev.tally.core.internal.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers alerts from the {@link AlertOutbox} to every notifier, on one daemon thread ({@code
 * tally-alerts}). A failed delivery is retried with exponential backoff and jitter, from {@code
 * initialBackoff} up to {@code maxBackoff}, for as long as it takes; each alert carries its id so
 * receivers can ignore a repeat. An alert whose budget was deleted before delivery is dropped with
 * a log line.
 */
public final class AlertDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertDispatcher.class);

  private final AlertOutbox outbox;
  private final BudgetRepository budgets;
  private final List<AlertNotifier> notifiers;
  private final Clock clock;
  private final Backoff backoff;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder failed = new LongAdder();

  public AlertDispatcher(
      AlertOutbox outbox,
      BudgetRepository budgets,
      List<AlertNotifier> notifiers,
      Clock clock,
      Duration pollInterval,
      Duration initialBackoff,
      Duration maxBackoff) {
    this.outbox = outbox;
    this.budgets = budgets;
    this.notifiers = List.copyOf(notifiers);
    this.clock = clock;
    this.backoff = new Backoff(initialBackoff, maxBackoff);
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tally-alerts");
              t.setDaemon(true);
              return t;
            });
    executor.scheduleWithFixedDelay(
        this::deliverDue, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Delivers every due alert once; called by the dispatcher thread, callable from tests. */
  public synchronized void deliverDue() {
    try {
      Instant now = clock.instant();
      for (AlertOutbox.Pending pending : outbox.due(now, 100)) {
        deliver(pending, now);
      }
    } catch (RuntimeException e) {
      log.warn("Tally: alert delivery round failed: {}", e.toString());
    }
  }

  private void deliver(AlertOutbox.Pending pending, Instant now) {
    Alert alert = pending.alert();
    Optional<Budget> budget = budgets.find(alert.budgetId());
    if (budget.isEmpty()) {
      log.info("Tally: budget {} was deleted; alert {} dropped", alert.budgetId(), alert.id());
      outbox.delivered(alert.id(), now);
      return;
    }
    try {
      for (AlertNotifier notifier : notifiers) {
        notifier.send(alert, budget.get());
      }
      outbox.delivered(alert.id(), clock.instant());
      delivered.increment();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failed.increment();
      Duration backoff = backoff(pending.attempts() + 1);
      outbox.failed(alert.id(), now.plus(backoff), e.toString());
      log.warn(
          "Tally: alert {} of budget {} not delivered ({}); retrying in {}",
          alert.id(),
          alert.budgetId(),
          e.toString(),
          backoff);
    }
  }

  private Duration backoff(int attempt) {
    return backoff.duration(attempt);
  }

  public long deliveredCount() {
    return delivered.sum();
  }

  public long failedCount() {
    return failed.sum();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      executor.shutdownNow();
    }
  }
}
