package dev.tally.server.gateway;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.SpendSource;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.UsageQueries;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The spend of a key budget (subject {@code key:<keyId>}, see {@link KeyBudgets}) read from the
 * ledger: the gateway's events ({@code chat}, {@code embeddings}) of the window that carry the key
 * in {@value GatewayService#KEY_ATTRIBUTE}, filtered to the key's owner; total tokens, or priced
 * cost in the budget's currency (unpriced events never count, as in {@code QuerySpendSource}).
 * Every other budget is answered by the delegate, the ledger's rollups.
 *
 * <p><b>Why raw events.</b> The key is an event attribute, not a rollup dimension, so a key's spend
 * is a scan of its owner's gateway events in the window. To keep that off the per-request cost, a
 * key's spend is read at most once per {@code refresh} (default {@value
 * GatewaySettings#DEFAULT_KEY_BUDGET_REFRESH}); meanwhile checks see the last reading, and one
 * request that finds it stale reads it again while the others go on with the old value. The first
 * reading of a window blocks its callers. A scan costs in proportion to the owner's gateway events
 * in the window.
 *
 * <p>Blocks on the ledger; throws what its queries throw ({@link IllegalStateException} when the
 * store fails).
 */
final class KeySpend implements SpendSource {
  private static final String[] OPERATIONS = {"chat", "embeddings"};

  private final SpendSource delegate;
  private final UsageQueries ledger;
  private final Function<String, Optional<String>> owners;
  private final long refreshNanos;
  private final LongSupplier ticker;
  private final Map<String, Reading> readings = new ConcurrentHashMap<>();

  /**
   * @param delegate the spend of every budget that is not a key's
   * @param ledger the ledger's events
   * @param owners the user a key id belongs to, empty for an unknown key (then every user's events
   *     are scanned)
   * @param refresh longest time a reading is served; {@link Duration#ZERO} reads on every call
   * @param ticker nanoseconds, for the age of a reading
   */
  KeySpend(
      SpendSource delegate,
      UsageQueries ledger,
      Function<String, Optional<String>> owners,
      Duration refresh,
      LongSupplier ticker) {
    if (refresh.isNegative()) {
      throw new IllegalArgumentException(
          "tally.server.gateway.key-budget-refresh must be >= 0, was " + refresh);
    }
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.owners = Objects.requireNonNull(owners, "owners");
    this.refreshNanos = refresh.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /** One reading of a budget's window; {@code what} tells a replaced budget or a new window. */
  private static final class Reading {
    final String what;
    final AtomicBoolean refreshing = new AtomicBoolean();
    volatile BigDecimal spent;
    volatile long atNanos;

    Reading(String what, BigDecimal spent, long atNanos) {
      this.what = what;
      this.spent = spent;
      this.atNanos = atNanos;
    }
  }

  @Override
  public BigDecimal spent(Budget budget, BudgetWindow.Interval interval) {
    String keyId = KeyBudgets.keyId(budget.subject());
    if (keyId == null) {
      return delegate.spent(budget, interval);
    }
    if (refreshNanos == 0) {
      return read(keyId, budget, interval);
    }
    String what =
        budget.subject() + '|' + budget.measure() + '|' + budget.currency() + '|' + interval;
    Reading reading = readings.get(budget.id());
    if (reading == null || !reading.what.equals(what)) {
      long at = ticker.getAsLong();
      Reading fresh = new Reading(what, read(keyId, budget, interval), at);
      readings.put(budget.id(), fresh);
      return fresh.spent;
    }
    if (ticker.getAsLong() - reading.atNanos >= refreshNanos
        && reading.refreshing.compareAndSet(false, true)) {
      try {
        long at = ticker.getAsLong();
        reading.spent = read(keyId, budget, interval);
        reading.atNanos = at;
      } finally {
        reading.refreshing.set(false);
      }
    }
    return reading.spent;
  }

  private BigDecimal read(String keyId, Budget budget, BudgetWindow.Interval interval) {
    Optional<String> owner = owners.apply(keyId);
    BigDecimal spent = BigDecimal.ZERO;
    long tokens = 0;
    for (String operation : OPERATIONS) {
      String cursor = null;
      do {
        EventQuery.Builder query =
            EventQuery.builder(interval.start(), interval.end())
                .filter(GroupField.OPERATION, operation)
                .limit(EventQuery.MAX_LIMIT)
                .cursor(cursor);
        owner.ifPresent(user -> query.filter(GroupField.SUBJECT, user));
        EventPage page = ledger.events(query.build());
        for (UsageEvent e : page.events()) {
          if (!keyId.equals(e.attributes().get(GatewayService.KEY_ATTRIBUTE))) {
            continue;
          }
          if (budget.measure() == Budget.Measure.TOKENS) {
            tokens += e.tokens().total();
          } else {
            BigDecimal amount = e.cost().amount();
            if (amount != null && Objects.equals(e.cost().currency(), budget.currency())) {
              spent = spent.add(amount);
            }
          }
        }
        cursor = page.nextCursor();
      } while (cursor != null);
    }
    return budget.measure() == Budget.Measure.TOKENS ? BigDecimal.valueOf(tokens) : spent;
  }
}
