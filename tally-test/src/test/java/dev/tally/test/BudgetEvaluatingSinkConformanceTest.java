package dev.tally.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetEvaluatingSink;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.InMemoryAlertOutbox;
import dev.tally.core.budget.QuerySpendSource;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BudgetEvaluatingSink} keeps the sink contract while it evaluates a real budget after each
 * batch, reading spend back through the in-memory sink's queries.
 */
class BudgetEvaluatingSinkConformanceTest extends UsageSinkConformanceTest {
  private InMemoryUsageSink inner;
  private BudgetEvaluator evaluator;

  @Override
  protected UsageSink createSink() {
    inner = new InMemoryUsageSink();
    BudgetRepository budgets = BudgetRepository.inMemory();
    budgets.put(
        new Budget(
            "everyone-tokens",
            Budget.EVERYONE,
            Budget.Measure.TOKENS,
            new BigDecimal("1000"),
            null,
            BudgetWindow.rollingHours(24 * 365),
            List.of(50, 100),
            Budget.Action.ALERT_ONLY,
            null));
    evaluator =
        new BudgetEvaluator(
            budgets, new QuerySpendSource(inner), new InMemoryAlertOutbox(), Clock.systemUTC());
    return new BudgetEvaluatingSink(inner, evaluator);
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return inner.events();
  }

  /** Batches that used more than the limit fired the budget's thresholds once each. */
  @AfterEach
  void budgetWasEvaluatedOnRealSpend() {
    long tokens = inner.events().stream().mapToLong(e -> e.tokens().total()).sum();
    if (tokens >= 1000) {
      assertThat(evaluator.firedCount()).as("alerts fired for %s tokens", tokens).isEqualTo(2);
    }
  }
}
