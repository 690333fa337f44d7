package dev.tally.core.budget;

import static dev.tally.core.budget.BudgetTestSupport.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.MutableClock;
import dev.tally.core.budget.BudgetTestSupport.FakeLedger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class BudgetGuardTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T21:30:00Z"));
  private final FakeLedger ledger = new FakeLedger();
  private final BudgetRepository budgets = BudgetRepository.inMemory();
  private final BudgetEvaluator evaluator =
      new BudgetEvaluator(budgets, ledger, new InMemoryAlertOutbox(), clock);
  private final BudgetGuard guard = new BudgetGuard(budgets, evaluator, clock);

  @Test
  void blockRefusesOverBudgetUntilTheWindowResetsThenLetsThrough() {
    budgets.put(
        tokens(
            "daily",
            "alice",
            "1000",
            BudgetWindow.day(ZoneId.of("Europe/Berlin")),
            Budget.Action.BLOCK));
    ledger.spend("alice", clock.instant(), "999");
    assertThat(guard.check("alice")).isEmpty();

    ledger.spend("alice", clock.instant(), "1");

    BudgetGuard.Refusal refusal = guard.check("alice").orElseThrow();
    assertThat(refusal.status().budget().id()).isEqualTo("daily");
    assertThat(refusal.retryAfter())
        .isEqualTo(Duration.ofMinutes(90)); // to 23:00Z = Berlin midnight
    assertThat(refusal.retryAfterSeconds()).isEqualTo(5400);
    assertThat(guard.check("bob")).isEmpty();

    clock.advance(Duration.ofMinutes(90));
    assertThat(guard.check("alice")).isEmpty();
  }

  @Test
  void alertOnlyBudgetsNeverBlock() {
    budgets.put(
        tokens(
            "soft", "alice", "10", BudgetWindow.day(ZoneId.of("UTC")), Budget.Action.ALERT_ONLY));
    ledger.spend("alice", clock.instant(), "50");

    assertThat(guard.check("alice")).isEmpty();
  }
}
