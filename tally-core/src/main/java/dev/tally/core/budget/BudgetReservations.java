package dev.tally.core.budget;

import dev.tally.core.internal.OnceLogger;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Fleet-wide enforcement of blocking budgets by reservation: before a call, its estimated cost is
 * reserved in every {@link Budget.Action#BLOCK} budget that covers the subject, in one atomic step
 * of a shared {@link ReservationStore}; after the call the reservation is settled with the actual
 * usage.
 *
 * <p><b>Overshoot bound.</b> A reservation passes only if {@code committed + reserved + estimate <=
 * limit}, so the estimates of all calls in flight on all instances fit in the limit together. The
 * committed spend of a window can pass the limit only by what calls used beyond their estimates: at
 * most the sum of {@code max(0, actual − estimate)} over the calls in flight when the limit was
 * reached. With an estimate that is an upper bound (prompt tokens counted plus the request's {@code
 * max_tokens}), the overshoot is zero.
 *
 * <p><b>Store down.</b> {@link StoreDownPolicy#FAIL_CLOSED} (default) refuses the call as {@link
 * Decision.Kind#UNAVAILABLE} (HTTP 503); {@link StoreDownPolicy#FAIL_OPEN} admits it unreserved and
 * counts it. Settling never throws: a settle the store misses leaves the reservation to the
 * sweeper, which settles it at its estimate.
 *
 * <p>Amounts: micro-units (10⁻⁶) of the currency for cost budgets (limits rounded down, spend up),
 * tokens for token budgets.
 */
public final class BudgetReservations {
  private static final OnceLogger log =
      new OnceLogger(LoggerFactory.getLogger(BudgetReservations.class));
  private static final String STORE_DOWN = "reservation-store-down";

  /** What to do with a call when the reservation store cannot answer. */
  public enum StoreDownPolicy {
    /** Refuse it (503): no call runs unaccounted. The default. */
    FAIL_CLOSED,
    /** Admit it without a reservation; the ledger still records its usage. */
    FAIL_OPEN
  }

  private final BudgetRepository budgets;
  private final ReservationStore store;
  private final @Nullable SpendSource seed;
  private final StoreDownPolicy storeDown;
  private final Clock clock;

  private BudgetReservations(Builder b) {
    this.budgets = b.budgets;
    this.store = b.store;
    this.seed = b.seed;
    this.storeDown = b.storeDown;
    this.clock = b.clock;
  }

  public static Builder builder(BudgetRepository budgets, ReservationStore store) {
    return new Builder(budgets, store);
  }

  /**
   * Reserves the estimate of one call in every blocking budget covering {@code subject}.
   *
   * @param requestId unique per call; the same id again reserves nothing more
   */
  public Decision reserve(
      String requestId, String subject, long estimatedTokens, long estimatedCostMicros) {
    Instant now = clock.instant();
    List<Budget> covering = new ArrayList<>();
    for (Budget b : budgets.all()) {
      if (b.action() == Budget.Action.BLOCK && b.covers(subject)) {
        covering.add(b);
      }
    }
    if (covering.isEmpty()) {
      return Decision.ADMITTED;
    }
    // A fixed order, so two requests never lock the same accounts in opposite orders.
    covering.sort(Comparator.comparing(Budget::id));
    List<ReservationStore.Hold> holds = new ArrayList<>(covering.size());
    for (Budget b : covering) {
      BudgetWindow.Interval window = b.window().at(now);
      long estimate = b.measure() == Budget.Measure.TOKENS ? estimatedTokens : estimatedCostMicros;
      holds.add(
          new ReservationStore.Hold(
              b.id(),
              window.start(),
              b.measure(),
              units(b.measure(), b.limit(), RoundingMode.FLOOR),
              Math.max(0, estimate),
              () ->
                  seed == null
                      ? 0
                      : units(b.measure(), seed.spent(b, window), RoundingMode.CEILING)));
    }
    try {
      ReservationStore.Reservation r = store.reserve(requestId, holds, now);
      if (r.admitted()) {
        return Decision.ADMITTED;
      }
      Budget refused =
          covering.stream()
              .filter(b -> b.id().equals(r.refusedBudgetId()))
              .findFirst()
              .orElseThrow();
      BudgetWindow.Interval window = refused.window().at(now);
      Duration retryAfter = Duration.between(now, window.end());
      return new Decision(Decision.Kind.REFUSED, refused, r.account(), retryAfter);
    } catch (ReservationStoreException e) {
      log.failure(STORE_DOWN, "budget reservation store unavailable (" + storeDown + ")", e);
      return storeDown == StoreDownPolicy.FAIL_OPEN
          ? Decision.ADMITTED_UNRESERVED
          : Decision.UNAVAILABLE;
    }
  }

  /** The call is about to run. Never throws. */
  public void dispatched(String requestId) {
    quietly(() -> store.dispatched(requestId, clock.instant()));
  }

  /** The call ended with this usage. Idempotent; never throws. */
  public boolean settle(String requestId, long actualTokens, long actualCostMicros) {
    return quietly(() -> store.settle(requestId, actualTokens, actualCostMicros, clock.instant()));
  }

  /** The call never ran. Idempotent; never throws. */
  public boolean release(String requestId) {
    return quietly(() -> store.release(requestId, clock.instant()));
  }

  private static boolean quietly(java.util.function.BooleanSupplier call) {
    try {
      return call.getAsBoolean();
    } catch (ReservationStoreException e) {
      log.failure(STORE_DOWN, "budget reservation store unavailable; the sweeper will end it", e);
      return false;
    }
  }

  /** An amount of a measure in integer units: tokens, or micro-units of the currency. */
  public static long units(Budget.Measure measure, BigDecimal amount, RoundingMode rounding) {
    BigDecimal scaled = measure == Budget.Measure.COST ? amount.movePointRight(6) : amount;
    return scaled.setScale(0, rounding).longValueExact();
  }

  /**
   * The answer for one call.
   *
   * @param kind admitted, refused (429) or unavailable (503)
   * @param budget the budget that refused it
   * @param account that budget's account when it refused
   * @param retryAfter until the refusing budget's window ends
   */
  public record Decision(
      Kind kind,
      @Nullable Budget budget,
      ReservationStore.@Nullable Account account,
      Duration retryAfter) {
    static final Decision ADMITTED = new Decision(Kind.ADMITTED, null, null, Duration.ZERO);
    static final Decision ADMITTED_UNRESERVED =
        new Decision(Kind.ADMITTED_UNRESERVED, null, null, Duration.ZERO);
    static final Decision UNAVAILABLE = new Decision(Kind.UNAVAILABLE, null, null, Duration.ZERO);

    public enum Kind {
      ADMITTED,
      /** Admitted without a reservation: the store was down and the policy is fail-open. */
      ADMITTED_UNRESERVED,
      REFUSED,
      UNAVAILABLE
    }

    public boolean admitted() {
      return kind == Kind.ADMITTED || kind == Kind.ADMITTED_UNRESERVED;
    }
  }

  /** Settings; defaults: fail closed, UTC system clock, no seed from the ledger. */
  public static final class Builder {
    private final BudgetRepository budgets;
    private final ReservationStore store;
    private @Nullable SpendSource seed;
    private StoreDownPolicy storeDown = StoreDownPolicy.FAIL_CLOSED;
    private Clock clock = Clock.systemUTC();

    private Builder(BudgetRepository budgets, ReservationStore store) {
      this.budgets = Objects.requireNonNull(budgets, "budgets must not be null");
      this.store = Objects.requireNonNull(store, "store must not be null");
    }

    /** Where a new window's account takes the spend it starts from (the ledger). */
    public Builder seed(SpendSource spend) {
      this.seed = Objects.requireNonNull(spend, "seed must not be null");
      return this;
    }

    public Builder onStoreDown(StoreDownPolicy policy) {
      this.storeDown = Objects.requireNonNull(policy, "onStoreDown must not be null");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    public BudgetReservations build() {
      return new BudgetReservations(this);
    }
  }
}
