package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetWindow;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteBudgetStoreTest extends JdbcBudgetStoreTest {
  @TempDir Path dir;

  @Override
  JdbcUsageStore openStore() {
    return JdbcUsageStore.sqlite(dir.resolve("tally.db"));
  }

  @Test
  void aThresholdFiresOnceAcrossARestart() {
    Budget budget =
        new Budget(
            "restart",
            "alice",
            Budget.Measure.TOKENS,
            new BigDecimal("100"),
            null,
            BudgetWindow.day(ZoneId.of("UTC")),
            List.of(50, 100),
            Budget.Action.ALERT_ONLY,
            null);
    budgets.put(budget);
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    assertThat(
            new BudgetEvaluator(budgets, (b, w) -> new BigDecimal("60"), outbox, clock)
                .evaluate(Set.of("alice")))
        .hasSize(1);
    store.close();

    store = openStore();
    budgets = JdbcBudgetStore.on(store);
    outbox = JdbcAlertOutbox.on(store);
    BudgetEvaluator afterRestart =
        new BudgetEvaluator(budgets, (b, w) -> new BigDecimal("60"), outbox, clock);

    assertThat(afterRestart.evaluate(Set.of("alice"))).isEmpty();
    assertThat(budgets.find("restart")).contains(budget);
    assertThat(outbox.recent(10)).hasSize(1);
  }
}
