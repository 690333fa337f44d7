package dev.tally.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.JdbcUsageStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key budgets' spend read from a real SQLite ledger, and how long a reading is served. */
class KeySpendTest {
  static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  static final BudgetWindow.Interval TODAY = BudgetWindow.day(ZoneOffset.UTC).at(NOW);
  static final String KEY = "key_00000000000000aa";
  static final String OTHER_KEY = "key_00000000000000bb";

  @TempDir Path data;
  JdbcUsageStore store;
  final AtomicLong ticker = new AtomicLong();
  final AtomicInteger ownerLookups = new AtomicInteger();
  final AtomicInteger delegated = new AtomicInteger();

  @BeforeEach
  void open() {
    store = JdbcUsageStore.sqlite(data.resolve("tally.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  KeySpend spend(Duration refresh) {
    return new KeySpend(
        (budget, interval) -> {
          delegated.incrementAndGet();
          return BigDecimal.valueOf(7);
        },
        store,
        keyId -> {
          ownerLookups.incrementAndGet();
          return keyId.equals(KEY) || keyId.equals(OTHER_KEY)
              ? Optional.of("ann")
              : Optional.empty();
        },
        refresh,
        ticker::get);
  }

  static Budget budget(String subject, Budget.Measure measure) {
    return new Budget(
        "b-" + measure.name().toLowerCase(java.util.Locale.ROOT),
        subject,
        measure,
        BigDecimal.valueOf(1000),
        measure == Budget.Measure.COST ? "USD" : null,
        BudgetWindow.day(ZoneOffset.UTC),
        List.of(),
        Budget.Action.BLOCK,
        null);
  }

  void store(String operation, String subject, @Nullable String key, long in, long out, Cost cost) {
    UsageEvent.Builder event =
        UsageEvent.builder(operation, java.time.Clock.fixed(NOW, ZoneOffset.UTC))
            .occurredAt(NOW.minusSeconds(60))
            .subject(subject)
            .tokens(TokenUsage.reported(in, out))
            .cost(cost)
            .success();
    if (key != null) {
      event.attributes(Map.of(GatewayService.KEY_ATTRIBUTE, key));
    }
    store.export(List.of(event.build())).join();
  }

  @Test
  void aKeysTokensAreItsOwnGatewayEventsOnly() {
    store("chat", "ann", KEY, 100, 50, Cost.unpriced());
    store("embeddings", "ann", KEY, 7, 0, Cost.unpriced());
    store("chat", "ann", OTHER_KEY, 1000, 1000, Cost.unpriced()); // another key of ann's
    store("http", "ann", KEY, 1000, 0, Cost.unpriced()); // not a gateway operation
    store("chat", "ann", null, 1000, 0, Cost.unpriced()); // /api/chat: no key

    BigDecimal spent =
        spend(Duration.ZERO).spent(budget("key:" + KEY, Budget.Measure.TOKENS), TODAY);

    assertThat(spent).isEqualByComparingTo("157");
  }

  @Test
  void aCostBudgetCountsPricedCostInItsCurrencyAndNeverAnUnpricedEvent() {
    store("chat", "ann", KEY, 100, 50, Cost.of(new BigDecimal("0.25"), "USD"));
    store("chat", "ann", KEY, 100, 50, Cost.of(new BigDecimal("0.50"), "EUR"));
    store("chat", "ann", KEY, 100, 50, Cost.unpriced());
    store("chat", "ann", KEY, 100, 50, Cost.of(new BigDecimal("0.125"), "USD"));

    BigDecimal spent = spend(Duration.ZERO).spent(budget("key:" + KEY, Budget.Measure.COST), TODAY);

    assertThat(spent).isEqualByComparingTo("0.375");
  }

  @Test
  void aReadingIsServedUntilTheRefreshIntervalHasPassedThenReadAgain() {
    KeySpend spend = spend(Duration.ofSeconds(1));
    Budget budget = budget("key:" + KEY, Budget.Measure.TOKENS);
    store("chat", "ann", KEY, 10, 0, Cost.unpriced());
    assertThat(spend.spent(budget, TODAY)).isEqualByComparingTo("10");

    store("chat", "ann", KEY, 20, 0, Cost.unpriced());
    ticker.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(spend.spent(budget, TODAY)).isEqualByComparingTo("10");
    assertThat(ownerLookups).hasValue(1);

    ticker.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(spend.spent(budget, TODAY)).isEqualByComparingTo("30");
    assertThat(ownerLookups).hasValue(2);
  }

  @Test
  void aNewWindowOrAReplacedBudgetIsReadAtOnce() {
    KeySpend spend = spend(Duration.ofHours(1));
    store("chat", "ann", KEY, 10, 0, Cost.unpriced());
    store("chat", "ann", OTHER_KEY, 40, 0, Cost.unpriced());
    assertThat(spend.spent(budget("key:" + KEY, Budget.Measure.TOKENS), TODAY))
        .isEqualByComparingTo("10");

    // the same budget id, now for the other key
    assertThat(spend.spent(budget("key:" + OTHER_KEY, Budget.Measure.TOKENS), TODAY))
        .isEqualByComparingTo("40");
    // the next day: nothing yet
    BudgetWindow.Interval tomorrow =
        BudgetWindow.day(ZoneOffset.UTC).at(NOW.plus(Duration.ofDays(1)));
    assertThat(spend.spent(budget("key:" + OTHER_KEY, Budget.Measure.TOKENS), tomorrow))
        .isEqualByComparingTo("0");
  }

  @Test
  void anUnknownKeyIsReadOverEveryUsersEvents() {
    store("chat", "bob", "key_00000000000000cc", 5, 5, Cost.unpriced());

    assertThat(
            spend(Duration.ZERO)
                .spent(budget("key:key_00000000000000cc", Budget.Measure.TOKENS), TODAY))
        .isEqualByComparingTo("10");
  }

  @Test
  void everyOtherBudgetIsTheDelegates() {
    KeySpend spend = spend(Duration.ofSeconds(1));

    assertThat(spend.spent(budget("ann", Budget.Measure.TOKENS), TODAY)).isEqualByComparingTo("7");
    assertThat(spend.spent(budget(Budget.EVERYONE, Budget.Measure.TOKENS), TODAY))
        .isEqualByComparingTo("7");
    assertThat(delegated).hasValue(2);
    assertThat(ownerLookups).hasValue(0);
  }

  @Test
  void aNegativeRefreshIsRefusedNamingTheProperty() {
    assertThatThrownBy(() -> spend(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key-budget-refresh")
        .hasMessageContaining("PT-1S");
  }
}
