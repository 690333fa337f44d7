package dev.tally.core.budget;

import dev.tally.core.query.GroupField;
import dev.tally.core.query.Money;
import dev.tally.core.query.UsageMeasures;
import dev.tally.core.query.UsageQueries;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageRow;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Spend read from the ledger's {@link UsageQueries}: total tokens, or priced cost in the budget's
 * currency. Cost in other currencies and unpriced events do not count toward a {@link
 * Budget.Measure#COST} budget (an unpriced event's cost is unknown, never taken as zero or as
 * anything else). One totals report per call, filtered to the budget's subject unless the budget
 * covers {@link Budget#EVERYONE}; the JDBC store answers it from its hourly rollups where the
 * interval allows and from raw events otherwise.
 *
 * <p>Blocks on the queries; throws what they throw ({@link IllegalStateException} when the store
 * fails), which {@link BudgetEvaluator} and {@link BudgetEvaluatingSink} handle.
 */
public final class QuerySpendSource implements SpendSource {
  private final UsageQueries queries;

  public QuerySpendSource(UsageQueries queries) {
    this.queries = Objects.requireNonNull(queries, "queries must not be null");
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
