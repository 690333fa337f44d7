package dev.tally.core.budget;

import java.time.Instant;
import java.util.List;

/**
 * Budget accounts that many instances share, with atomic reservations: the spend a call may cause
 * is reserved before the call and settled after it, so concurrent calls on any number of instances
 * cannot together pass a limit by more than their own misestimates.
 *
 * <p>Amounts are integer units of the budget's measure: micro-units of the currency (10⁻⁶) for cost
 * budgets, tokens for token budgets. An account is one budget in one window.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #reserve} is atomic over all its holds: either every account grows by its estimate
 *       (each staying within its limit: {@code committed + reserved + estimate <= limit}), or none
 *       does. A check that passes for one caller is never passed again by a concurrent one on the
 *       strength of the same headroom.
 *   <li>{@link #settle}, {@link #release} and {@link #dispatched} are idempotent by request id: a
 *       replay changes nothing and answers {@code false}.
 *   <li>Methods block on the store and throw {@link ReservationStoreException} when it cannot be
 *       reached or fails; they never leave a partial change behind.
 * </ul>
 */
public interface ReservationStore {

  /**
   * Reserves every hold for {@code requestId}, or none. A request id already reserved answers
   * {@link Reservation#admitted()} without reserving again.
   */
  Reservation reserve(String requestId, List<Hold> holds, Instant now);

  /** The call of a reserved request has started: the sweeper will settle it, not release it. */
  boolean dispatched(String requestId, Instant now);

  /**
   * The call ended: each account's reservation is released and its committed spend grows by the
   * actual amount in its measure. False when the request was already settled, released or unknown.
   */
  boolean settle(String requestId, long actualTokens, long actualCostMicros, Instant now);

  /** The call never happened: the reservations are released and nothing is committed. */
  boolean release(String requestId, Instant now);

  /**
   * Ends reservations made before {@code reservedBefore} that are still open: those whose call was
   * dispatched are settled at their estimate (the call outlived its caller: it probably ran), the
   * others are released.
   */
  SweepResult sweep(Instant reservedBefore, Instant now);

  /** One account as it stands, or an all-zero account when it has none yet. */
  Account account(String budgetId, Instant windowStart);

  /**
   * One budget in one window, and the amount this request may cause there.
   *
   * @param budgetId the budget
   * @param windowStart the start of the window the request falls into
   * @param measure what the amounts count
   * @param limit the budget's limit in units
   * @param estimate the units reserved for this request, >= 0
   * @param seed the units already spent in this window when the account is first created (read from
   *     the ledger), so a budget that existed before reservations starts from its real spend
   */
  record Hold(
      String budgetId,
      Instant windowStart,
      Budget.Measure measure,
      long limit,
      long estimate,
      java.util.function.LongSupplier seed) {
    public Hold {
      if (estimate < 0) {
        throw new IllegalArgumentException("estimate must be >= 0, was " + estimate);
      }
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0, was " + limit);
      }
    }
  }

  /**
   * The answer to a reservation.
   *
   * @param admitted every hold was reserved
   * @param refusedBudgetId the first budget that had no room, when not admitted
   * @param account that budget's account when it refused (or the last account reserved)
   */
  record Reservation(
      boolean admitted,
      @org.jspecify.annotations.Nullable String refusedBudgetId,
      Account account) {}

  /** An account: its limit, what calls that ended have spent, and what open calls hold. */
  record Account(long limit, long committed, long reserved) {
    /** Units left for new reservations. */
    public long available() {
      return limit - committed - reserved;
    }
  }

  /** What a sweep did. */
  record SweepResult(int settledAtEstimate, int released) {}
}
