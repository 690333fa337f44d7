package dev.tally.core.budget;

import static dev.tally.core.budget.BudgetTestSupport.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.MutableClock;
import dev.tally.core.budget.BudgetTestSupport.FakeLedger;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BudgetEvaluatorTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T09:00:00Z"));
  private final FakeLedger ledger = new FakeLedger();
  private final InMemoryAlertOutbox outbox = new InMemoryAlertOutbox();
  private final BudgetRepository budgets = BudgetRepository.inMemory();
  private final BudgetEvaluator evaluator = new BudgetEvaluator(budgets, ledger, outbox, clock);

  @Test
  void eachThresholdFiresExactlyOncePerWindow() {
    budgets.put(
        tokens("daily", "alice", "1000", BudgetWindow.day(BERLIN), Budget.Action.ALERT_ONLY));

    ledger.spend("alice", clock.instant(), "400");
    assertThat(evaluator.evaluate(Set.of("alice"))).isEmpty();

    ledger.spend("alice", clock.instant(), "450"); // 850: crosses 50 and 80 at once
    assertThat(evaluator.evaluate(Set.of("alice")))
        .extracting(Alert::threshold)
        .containsExactly(50, 80);
    assertThat(evaluator.evaluate(Set.of("alice"))).isEmpty(); // replayed batch, same spend

    ledger.spend("alice", clock.instant(), "200");
    assertThat(evaluator.evaluate(Set.of("alice")))
        .extracting(Alert::threshold)
        .containsExactly(100);
    assertThat(evaluator.evaluate(Set.of("alice"))).isEmpty();
    assertThat(evaluator.firedCount()).isEqualTo(3);
  }

  @Test
  void aRestartedEvaluatorOnTheSameOutboxDoesNotFireAgain() {
    budgets.put(
        tokens("daily", "alice", "100", BudgetWindow.day(BERLIN), Budget.Action.ALERT_ONLY));
    ledger.spend("alice", clock.instant(), "100");
    assertThat(evaluator.evaluate(Set.of("alice"))).hasSize(3);

    BudgetEvaluator restarted = new BudgetEvaluator(budgets, ledger, outbox, clock);

    assertThat(restarted.evaluate(Set.of("alice"))).isEmpty();
  }

  @Test
  void theNextWindowFiresAgain() {
    budgets.put(
        tokens("daily", "alice", "100", BudgetWindow.day(BERLIN), Budget.Action.ALERT_ONLY));
    ledger.spend("alice", clock.instant(), "60");
    assertThat(evaluator.evaluate(Set.of("alice")))
        .extracting(Alert::threshold)
        .containsExactly(50);

    clock.advance(Duration.ofDays(1));
    ledger.spend("alice", clock.instant(), "55");

    List<Alert> fired = evaluator.evaluate(Set.of("alice"));
    assertThat(fired).extracting(Alert::threshold).containsExactly(50);
    assertThat(fired.get(0).windowStart()).isEqualTo(Instant.parse("2026-11-27T23:00:00Z"));
  }

  @Test
  void budgetForEveryoneSumsAllSubjectsAndOtherSubjectsBudgetsAreLeftAlone() {
    budgets.put(
        tokens("all", Budget.EVERYONE, "100", BudgetWindow.day(BERLIN), Budget.Action.ALERT_ONLY));
    budgets.put(tokens("bob", "bob", "10", BudgetWindow.day(BERLIN), Budget.Action.ALERT_ONLY));
    ledger.spend("alice", clock.instant(), "30");
    ledger.spend("carol", clock.instant(), "30");
    ledger.spend("bob", clock.instant(), "50");

    List<Alert> fired = evaluator.evaluate(Set.of("alice", "carol"));

    assertThat(fired).extracting(Alert::budgetId).containsOnly("all");
    assertThat(fired).extracting(Alert::threshold).containsExactly(50, 80, 100);
    assertThat(fired.get(0).spent()).isEqualByComparingTo("110");
  }

  @Test
  void alertIdsAreDeterministicAndTheBodyIsJson() {
    budgets.put(tokens("daily", "alice", "10", BudgetWindow.day(BERLIN), Budget.Action.ALERT_ONLY));
    ledger.spend("alice", clock.instant(), "5");
    Alert alert = evaluator.evaluate(Set.of("alice")).get(0);

    assertThat(alert.id())
        .isEqualTo(Alert.idFor("daily", Instant.parse("2026-11-26T23:00:00Z"), 50));
    assertThat(alert.toJson())
        .startsWith(
            "{\"alertId\":\"" + alert.id() + "\",\"budgetId\":\"daily\",\"subject\":\"alice\"")
        .contains("\"threshold\":50", "\"spent\":\"5\"", "\"limit\":\"10\"")
        .contains(
            "\"windowStart\":\"2026-11-26T23:00:00Z\"", "\"windowEnd\":\"2026-11-27T23:00:00Z\"");
  }

  @Test
  void statusReportsSpentRemainingAndReachedThresholds() {
    Budget budget = tokens("daily", "alice", "200", BudgetWindow.day(BERLIN), Budget.Action.BLOCK);
    budgets.put(budget);
    ledger.spend("alice", clock.instant(), "170");

    BudgetStatus status = evaluator.status(budget);

    assertThat(status.spent()).isEqualByComparingTo("170");
    assertThat(status.remaining()).isEqualByComparingTo("30");
    assertThat(status.percentUsed()).isEqualByComparingTo("85.00");
    assertThat(status.reached()).containsExactly(50, 80);
    assertThat(status.blocking()).isFalse();
  }

  @Test
  void budgetsRejectBadValuesNamingThem() {
    BudgetWindow day = BudgetWindow.day(BERLIN);
    assertThatThrownBy(() -> tokens("bad id!", "a", "1", day, Budget.Action.BLOCK))
        .hasMessage("id must be 1-64 letters, digits, '.', '_' or '-', was \"bad id!\"");
    assertThatThrownBy(() -> tokens("b", "a", "0", day, Budget.Action.BLOCK))
        .hasMessage("limit must be > 0, was 0");
    assertThatThrownBy(
            () ->
                new Budget(
                    "b",
                    "a",
                    Budget.Measure.COST,
                    BigDecimal.ONE,
                    "usd",
                    day,
                    List.of(),
                    Budget.Action.BLOCK,
                    null))
        .hasMessage("currency must be a 3-letter ISO 4217 code for a COST budget, was \"usd\"");
    assertThatThrownBy(
            () ->
                new Budget(
                    "b",
                    "a",
                    Budget.Measure.TOKENS,
                    BigDecimal.ONE,
                    null,
                    day,
                    List.of(80, 50),
                    Budget.Action.BLOCK,
                    null))
        .hasMessage("thresholds must be ascending percentages in 1..1000, was [80, 50]");
    assertThatThrownBy(() -> new Budget.Webhook("ftp://x", "0123456789abcdef"))
        .hasMessage("webhook.url must be an http(s) URL, was \"ftp://x\"");
    assertThatThrownBy(() -> new Budget.Webhook("http://x", "short"))
        .hasMessage("webhook.secret must be at least 16 characters, was 5 characters");
  }
}
