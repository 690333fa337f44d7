package dev.tally.core.budget;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates budgets against the ledger and fires alerts. Call {@link #evaluate} after usage was
 * stored (the {@link BudgetEvaluatingSink} does it after every batch). Spend is read from the
 * {@link SpendSource}, not counted separately, and every threshold reached in the current window is
 * offered to the {@link AlertOutbox}, whose once-only gate makes repeated evaluations, restarts and
 * replays harmless.
 *
 * <p>For a rolling window, "once per window" means once per window-length bucket aligned to the
 * epoch: an alert for 80 % of a rolling 24 hours fires at most once per UTC day.
 */
public final class BudgetEvaluator {
  private static final Logger log = LoggerFactory.getLogger(BudgetEvaluator.class);

  private final BudgetRepository budgets;
  private final SpendSource spend;
  private final AlertOutbox outbox;
  private final Clock clock;
  private final LongAdder fired = new LongAdder();

  public BudgetEvaluator(
      BudgetRepository budgets, SpendSource spend, AlertOutbox outbox, Clock clock) {
    this.budgets = budgets;
    this.spend = spend;
    this.outbox = outbox;
    this.clock = clock;
  }

  /** The status of a budget now. */
  public BudgetStatus status(Budget budget) {
    BudgetWindow.Interval window = budget.window().at(clock.instant());
    return BudgetStatus.of(budget, window, spend.spent(budget, window));
  }

  /** Statuses of every budget that covers {@code subject}. */
  public List<BudgetStatus> statusesFor(String subject) {
    List<BudgetStatus> statuses = new ArrayList<>();
    for (Budget budget : budgets.all()) {
      if (budget.covers(subject)) {
        statuses.add(status(budget));
      }
    }
    return statuses;
  }

  /**
   * Evaluates every budget covering one of {@code subjects} (budgets for everyone always) and
   * returns the alerts that fired now for the first time.
   */
  public List<Alert> evaluate(Collection<String> subjects) {
    List<Alert> newlyFired = new ArrayList<>();
    Instant now = clock.instant();
    for (Budget budget : budgets.all()) {
      if (!budget.subject().equals(Budget.EVERYONE) && !subjects.contains(budget.subject())) {
        continue;
      }
      try {
        BudgetWindow.Interval window = budget.window().at(now);
        BigDecimal spent = spend.spent(budget, window);
        Instant key = alertKey(budget.window(), window, now);
        for (int threshold : budget.reachedThresholds(spent)) {
          Alert alert =
              new Alert(
                  Alert.idFor(budget.id(), key, threshold),
                  budget.id(),
                  budget.subject(),
                  threshold,
                  budget.measure(),
                  spent,
                  budget.limit(),
                  budget.currency(),
                  window.start(),
                  window.end(),
                  now);
          if (outbox.enqueue(alert)) {
            fired.increment();
            newlyFired.add(alert);
          }
        }
      } catch (RuntimeException e) {
        log.warn("Tally: could not evaluate budget {}: {}", budget.id(), e.toString());
      }
    }
    return newlyFired;
  }

  /** Alerts fired since start. */
  public long firedCount() {
    return fired.sum();
  }

  private static Instant alertKey(BudgetWindow type, BudgetWindow.Interval window, Instant now) {
    if (type instanceof BudgetWindow.Rolling rolling) {
      long length = rolling.length().toMillis();
      return Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), length) * length);
    }
    return window.start();
  }

  /**
   * How long until {@code status}'s window resets (for rolling windows: one hour, rollup
   * granularity).
   */
  static Duration untilReset(BudgetStatus status, Instant now) {
    if (status.budget().window() instanceof BudgetWindow.Rolling) {
      return Duration.ofHours(1);
    }
    Duration left = Duration.between(now, status.window().end());
    return left.isNegative() ? Duration.ZERO : left;
  }
}
