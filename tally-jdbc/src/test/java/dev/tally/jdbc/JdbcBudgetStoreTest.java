package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.budget.Alert;
import dev.tally.core.budget.AlertOutbox;
import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetWindow;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Budgets and alerts in the ledger's database; run for SQLite and for PostgreSQL. */
abstract class JdbcBudgetStoreTest {
  static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  JdbcUsageStore store;
  JdbcBudgetStore budgets;
  JdbcAlertOutbox outbox;

  abstract JdbcUsageStore openStore();

  @BeforeEach
  void open() {
    store = openStore();
    budgets = JdbcBudgetStore.on(store);
    outbox = JdbcAlertOutbox.on(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static Budget calendarBudget(String id) {
    return new Budget(
        id,
        "alice",
        Budget.Measure.COST,
        new BigDecimal("12.50"),
        "EUR",
        BudgetWindow.day(ZoneId.of("Europe/Berlin")),
        List.of(25, 75, 100),
        Budget.Action.BLOCK,
        new Budget.Webhook("https://hooks.example.com/tally", "0123456789abcdef0123"));
  }

  static Alert alert(String budgetId, int threshold) {
    Instant start = Instant.parse("2026-11-26T23:00:00Z");
    return new Alert(
        Alert.idFor(budgetId, start, threshold),
        budgetId,
        "alice",
        threshold,
        Budget.Measure.TOKENS,
        new BigDecimal("812"),
        new BigDecimal("1000"),
        null,
        start,
        start.plus(Duration.ofDays(1)),
        T0);
  }

  @Test
  void budgetsRoundTripEveryField() {
    Budget calendar = calendarBudget("b-cal");
    Budget rolling =
        new Budget(
            "b-roll",
            Budget.EVERYONE,
            Budget.Measure.TOKENS,
            new BigDecimal("1000000"),
            null,
            BudgetWindow.rollingHours(24),
            List.of(),
            Budget.Action.ALERT_ONLY,
            null);

    budgets.put(calendar);
    budgets.put(rolling);

    assertThat(budgets.find("b-cal")).contains(calendar);
    assertThat(budgets.find("b-roll")).contains(rolling);
    assertThat(budgets.all()).containsExactly(calendar, rolling);
    assertThat(budgets.find("nope")).isEmpty();
  }

  @Test
  void putReplacesAndDeleteRemoves() {
    budgets.put(calendarBudget("b1"));
    Budget changed =
        new Budget(
            "b1",
            "bob",
            Budget.Measure.TOKENS,
            BigDecimal.TEN,
            null,
            BudgetWindow.month(ZoneId.of("UTC")),
            List.of(100),
            Budget.Action.ALERT_ONLY,
            null);

    budgets.put(changed);

    assertThat(budgets.all()).containsExactly(changed);
    assertThat(budgets.delete("b1")).isTrue();
    assertThat(budgets.delete("b1")).isFalse();
    assertThat(budgets.all()).isEmpty();
  }

  @Test
  void anAlertIsStoredOnceEvenWhenEightThreadsRaceToFireIt() throws Exception {
    Alert alert = alert("race", 80);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(threads.submit(() -> outbox.enqueue(alert)));
    }
    int stored = 0;
    for (Future<Boolean> r : results) {
      stored += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
    }
    threads.shutdown();

    assertThat(stored).isEqualTo(1);
    assertThat(outbox.enqueue(alert)).isFalse();
    assertThat(outbox.recent(10)).extracting(e -> e.alert()).containsExactly(alert);
  }

  @Test
  void deliveryStateMovesFromDueToFailedToDelivered() {
    Alert alert = alert("life", 50);
    outbox.enqueue(alert);

    assertThat(outbox.due(T0, 10)).containsExactly(new AlertOutbox.Pending(alert, 0));
    outbox.failed(alert.id(), T0.plusSeconds(30), "connection refused");
    assertThat(outbox.due(T0.plusSeconds(29), 10)).isEmpty();
    assertThat(outbox.due(T0.plusSeconds(30), 10))
        .containsExactly(new AlertOutbox.Pending(alert, 1));

    outbox.delivered(alert.id(), T0.plusSeconds(31));

    assertThat(outbox.due(T0.plusSeconds(60), 10)).isEmpty();
    AlertOutbox.Entry entry = outbox.recent(1).get(0);
    assertThat(entry.attempts()).isEqualTo(2);
    assertThat(entry.deliveredAt()).isEqualTo(T0.plusSeconds(31));
    assertThat(entry.lastError()).isNull();
  }

  @Test
  void aChangeThroughTheStoreIsSeenAtOnceEvenWithinTheRefreshInterval() {
    assertThat(budgets.all()).isEmpty();

    budgets.put(calendarBudget("b-1"));
    assertThat(budgets.all()).extracting(Budget::id).containsExactly("b-1");

    budgets.delete("b-1");
    assertThat(budgets.all()).isEmpty();
  }

  @Test
  void aChangeByAnotherInstanceIsSeenAfterTheRefreshInterval() {
    long[] now = {0};
    JdbcBudgetStore cached = JdbcBudgetStore.on(store, Duration.ofSeconds(1), () -> now[0]);
    JdbcBudgetStore otherInstance = JdbcBudgetStore.on(store);
    assertThat(cached.all()).isEmpty();

    otherInstance.put(calendarBudget("elsewhere"));
    now[0] += Duration.ofMillis(999).toNanos();
    assertThat(cached.all()).as("served from memory within the interval").isEmpty();

    now[0] += Duration.ofMillis(1).toNanos();
    assertThat(cached.all()).extracting(Budget::id).containsExactly("elsewhere");
  }

  @Test
  void aNegativeRefreshIsRefusedWithTheValue() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> JdbcBudgetStore.on(store, Duration.ofSeconds(-1), System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
  }
}
