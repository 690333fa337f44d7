package dev.tally.core.budget;

import java.math.BigDecimal;

/**
 * What a budget's subject has used in an interval, in the budget's measure: priced cost in its
 * currency, or total tokens. Implemented by the ledger (the JDBC store answers from its rollups),
 * so there is no separate counter to drift from the truth.
 */
@FunctionalInterface
public interface SpendSource {
  BigDecimal spent(Budget budget, BudgetWindow.Interval interval);
}
