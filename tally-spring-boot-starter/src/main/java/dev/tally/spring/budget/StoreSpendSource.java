package dev.tally.spring.budget;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.SpendSource;
import dev.tally.jdbc.GroupField;
import dev.tally.jdbc.Money;
import dev.tally.jdbc.UsageMeasures;
import dev.tally.jdbc.UsageQueries;
import dev.tally.jdbc.UsageQuery;
import dev.tally.jdbc.UsageRow;
import java.math.BigDecimal;

/**
 * Spend read from the ledger's queries: total tokens, or priced cost in the budget's currency (cost
 * in other currencies and unpriced events do not count toward a COST budget). The store answers
 * from its hourly rollups where the interval allows and from raw events otherwise.
 */
public final class StoreSpendSource implements SpendSource {
  private final UsageQueries queries;

  public StoreSpendSource(UsageQueries queries) {
    this.queries = queries;
  }

  @Override
  public BigDecimal spent(Budget budget, BudgetWindow.Interval interval) {
    UsageQuery.Builder query = UsageQuery.builder(interval.start(), interval.end());
    if (!budget.subject().equals(Budget.EVERYONE)) {
      query.filter(GroupField.SUBJECT, budget.subject());
    }
    BigDecimal spent = BigDecimal.ZERO;
    for (UsageRow row : queries.report(query.build()).rows()) {
      spent = spent.add(measure(budget, row.measures()));
    }
    return spent;
  }

  private static BigDecimal measure(Budget budget, UsageMeasures measures) {
    if (budget.measure() == Budget.Measure.TOKENS) {
      return BigDecimal.valueOf(measures.tokens().total());
    }
    BigDecimal cost = BigDecimal.ZERO;
    for (Money money : measures.cost()) {
      if (money.currency().equals(budget.currency())) {
        cost = cost.add(money.amount());
      }
    }
    return cost;
  }
}
