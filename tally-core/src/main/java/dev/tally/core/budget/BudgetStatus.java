package dev.tally.core.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * Where a budget stands now.
 *
 * @param window the current window
 * @param spent used in the window, in the budget's measure
 * @param remaining what is left, never below zero
 * @param reached thresholds reached so far in this window
 */
public record BudgetStatus(
    Budget budget,
    BudgetWindow.Interval window,
    BigDecimal spent,
    BigDecimal remaining,
    List<Integer> reached) {

  static BudgetStatus of(Budget budget, BudgetWindow.Interval window, BigDecimal spent) {
    BigDecimal remaining = budget.limit().subtract(spent).max(BigDecimal.ZERO);
    return new BudgetStatus(budget, window, spent, remaining, budget.reachedThresholds(spent));
  }

  /** Spent as a percentage of the limit, two decimals. */
  public BigDecimal percentUsed() {
    return spent.multiply(BigDecimal.valueOf(100)).divide(budget.limit(), 2, RoundingMode.HALF_UP);
  }

  /** Whether the limit is reached. */
  public boolean exhausted() {
    return budget.exhaustedBy(spent);
  }

  /** Whether requests of the subject are refused now. */
  public boolean blocking() {
    return exhausted() && budget.action() == Budget.Action.BLOCK;
  }
}
