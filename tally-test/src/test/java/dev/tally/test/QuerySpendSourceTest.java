package dev.tally.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.QuerySpendSource;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.UsageQueries;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Budget spend read through the core query model, here from the in-memory sink's queries. */
class QuerySpendSourceTest {
  private static final Instant DAY = Instant.parse("2026-05-04T00:00:00Z");
  private static final BudgetWindow.Interval MAY_4 =
      BudgetWindow.day(ZoneOffset.UTC).at(DAY.plusSeconds(3600));

  private final InMemoryUsageSink ledger = new InMemoryUsageSink();
  private final QuerySpendSource spend = new QuerySpendSource(ledger);

  @Test
  void aCostBudgetCountsOnlyPricedCostInItsCurrency() {
    store(
        event("alice", DAY.plusSeconds(10), 100, Cost.of(new BigDecimal("0.25"), "USD")),
        event("alice", DAY.plusSeconds(20), 100, Cost.of(new BigDecimal("0.50"), "USD", "v1")),
        event("alice", DAY.plusSeconds(30), 100, Cost.of(new BigDecimal("9"), "EUR")),
        event("alice", DAY.plusSeconds(40), 100, Cost.unpriced()));

    assertThat(spend.spent(cost("alice", "USD"), MAY_4)).isEqualByComparingTo("0.75");
    assertThat(spend.spent(cost("alice", "EUR"), MAY_4)).isEqualByComparingTo("9");
  }

  @Test
  void anAttributeNamedTallyCostSpendsNothing() {
    store(
        UsageEvent.builder("chat")
            .subject("alice")
            .occurredAt(DAY.plusSeconds(5))
            .tokens(TokenUsage.reported(10, 10))
            .attribute("tally.cost", "1000")
            .attribute("tally.currency", "USD")
            .build());

    assertThat(spend.spent(cost("alice", "USD"), MAY_4)).isEqualByComparingTo("0");
  }

  @Test
  void aTokenBudgetCountsTheSubjectsTokensInTheWindowOnly() {
    store(
        event("alice", DAY.minusNanos(1), 1_000, Cost.unpriced()),
        event("alice", DAY, 30, Cost.unpriced()),
        event("alice", DAY.plusSeconds(86_399), 12, Cost.unpriced()),
        event("alice", DAY.plusSeconds(86_400), 1_000, Cost.unpriced()),
        event("bob", DAY.plusSeconds(60), 7, Cost.unpriced()));

    assertThat(spend.spent(tokens("alice"), MAY_4)).isEqualByComparingTo("42");
    assertThat(spend.spent(tokens(Budget.EVERYONE), MAY_4)).isEqualByComparingTo("49");
    assertThat(spend.spent(tokens("carol"), MAY_4)).isEqualByComparingTo("0");
  }

  @Test
  void aFailingLedgerFailsTheCallSoTheEvaluatorCanReportIt() {
    UsageQueries down =
        new UsageQueries() {
          @Override
          public UsageReport report(UsageQuery query) {
            throw new IllegalStateException("ledger down");
          }

          @Override
          public EventPage events(EventQuery query) {
            throw new IllegalStateException("ledger down");
          }
        };

    assertThatThrownBy(() -> new QuerySpendSource(down).spent(tokens("alice"), MAY_4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ledger down");
  }

  private void store(UsageEvent... events) {
    ledger.export(List.of(events)).join();
  }

  private static UsageEvent event(String subject, Instant at, long tokens, Cost cost) {
    return UsageEvent.builder("chat")
        .subject(subject)
        .occurredAt(at)
        .tokens(TokenUsage.reported(tokens, 0))
        .cost(cost)
        .build();
  }

  private static Budget cost(String subject, String currency) {
    return new Budget(
        "cost-" + subject,
        subject,
        Budget.Measure.COST,
        BigDecimal.TEN,
        currency,
        BudgetWindow.day(ZoneOffset.UTC),
        List.of(),
        Budget.Action.ALERT_ONLY,
        null);
  }

  private static Budget tokens(String subject) {
    return new Budget(
        "tokens",
        subject,
        Budget.Measure.TOKENS,
        BigDecimal.TEN,
        null,
        BudgetWindow.day(ZoneOffset.UTC),
        List.of(),
        Budget.Action.ALERT_ONLY,
        null);
  }
}
