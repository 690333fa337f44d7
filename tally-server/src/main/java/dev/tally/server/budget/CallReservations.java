package dev.tally.server.budget;

import dev.tally.core.UsageStream;
import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.BudgetStatus;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.ReservationStore;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.pricing.PriceCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Fleet-wide budgets for the server's model calls ({@code /api/chat} and the gateway's {@code
 * /v1/chat/completions}, plain and streamed, and {@code /v1/embeddings}): before a call its
 * estimate is reserved with {@link BudgetReservations}, after it the actual usage is settled. Off
 * (every call admitted, nothing counted) unless {@code tally.budgets.reservations.enabled=true};
 * then the ledger-based {@link BudgetGuard} check is not made, the reservation replaces it.
 *
 * <p><b>The estimate</b>: the prompt's tokens (counted with the server's tokenizer) plus the
 * request's output limit ({@code max_tokens}/{@code max_completion_tokens} on the gateway), or
 * {@code tally.budgets.reservations.default-output-tokens} (default {@value
 * #DEFAULT_OUTPUT_TOKENS}) without one; priced with the {@link PriceCatalog} for cost budgets (an
 * unpriced model reserves no money, as the ledger counts it).
 *
 * <p><b>After the call</b> ({@link Call}): settled with the usage the call's usage event records (a
 * stream that was cancelled or failed: what it used so far), priced at the model that answered;
 * released when the call never reached the model. Settling is idempotent by the request id, and
 * never throws; a settle the store misses is left to the sweeper (settled at its estimate).
 *
 * <p>Refused: {@link BudgetExceededException} (429 naming the budget, {@code Retry-After} until its
 * window ends). Store down: {@link BudgetUnavailableException} (503) by default, admitted
 * unreserved with {@code tally.budgets.reservations.fail-open=true}.
 *
 * <p><b>Connections.</b> At most {@code tally.budgets.reservations.store-concurrency} (default
 * {@value #DEFAULT_STORE_CONCURRENCY}) reservation statements run against the store at once per
 * instance; other calls wait their turn. The store keeps that many connections open for reuse, so a
 * burst of requests neither opens a database connection per request nor runs the database out of
 * connections (PostgreSQL allows 100 by default, shared by every instance).
 */
public final class CallReservations {
  /** Output tokens reserved for a call whose request sets no limit of its own. */
  public static final long DEFAULT_OUTPUT_TOKENS = 1024;

  /** Reservation statements running against the store at once, per instance. */
  public static final int DEFAULT_STORE_CONCURRENCY = 4;

  private static final int OPEN = 0;
  private static final int DISPATCHED = 1;
  private static final int ENDED = 2;

  private final @Nullable BudgetReservations reservations;
  private final PriceCatalog prices;
  private final Clock clock;
  private final long defaultOutputTokens;
  private final Semaphore storeCalls;

  /**
   * @param reservations null when reservations are off
   * @param defaultOutputTokens reserved for the output of a request without a limit of its own
   * @param storeConcurrency reservation statements at once against the store
   */
  public CallReservations(
      @Nullable BudgetReservations reservations,
      PriceCatalog prices,
      Clock clock,
      long defaultOutputTokens,
      int storeConcurrency) {
    if (defaultOutputTokens < 0) {
      throw new IllegalArgumentException(
          "tally.budgets.reservations.default-output-tokens must be >= 0, was "
              + defaultOutputTokens);
    }
    if (storeConcurrency < 1) {
      throw new IllegalArgumentException(
          "tally.budgets.reservations.store-concurrency must be > 0, was " + storeConcurrency);
    }
    this.storeCalls = new Semaphore(storeConcurrency, true);
    this.reservations = reservations;
    this.prices = prices;
    this.clock = clock;
    this.defaultOutputTokens = defaultOutputTokens;
  }

  /** Reservations off: every call admitted, nothing counted. */
  public static CallReservations off() {
    return new CallReservations(
        null, PriceCatalog.empty(), Clock.systemUTC(), DEFAULT_OUTPUT_TOKENS, 1);
  }

  /** Whether calls are reserved (and the ledger-based check is left out). */
  public boolean enabled() {
    return reservations != null;
  }

  /**
   * Reserves a call's estimate in every blocking budget of {@code subject}; without reservations a
   * call that does nothing. The prompt is counted only when reservations are on.
   *
   * @param requestId unique per call, made by the server (a repeated id reserves nothing more)
   * @param model the model asked for, which prices the estimate
   * @param maxOutputTokens the request's own output limit, if it has one
   * @throws BudgetExceededException 429: a budget has no room for the estimate
   * @throws BudgetUnavailableException 503: the store cannot answer and the policy is fail closed
   */
  public Call reserve(
      String requestId,
      String subject,
      String model,
      LongSupplier promptTokens,
      OptionalLong maxOutputTokens) {
    BudgetReservations r = reservations;
    if (r == null) {
      return Call.NONE;
    }
    long output = Math.max(0, maxOutputTokens.orElse(defaultOutputTokens));
    TokenUsage estimate = TokenUsage.estimated(Math.max(0, promptTokens.getAsLong()), output);
    Instant at = clock.instant();
    long costMicros = micros(model, at, estimate);
    BudgetReservations.Decision decision =
        limited(() -> r.reserve(requestId, subject, estimate.total(), costMicros));
    return switch (decision.kind()) {
      case ADMITTED -> new Call(this, requestId, model, at);
      case ADMITTED_UNRESERVED -> Call.NONE;
      case REFUSED -> throw refusal(decision, at);
      case UNAVAILABLE ->
          throw new BudgetUnavailableException(
              "the budget reservation store is unavailable, so no call is admitted"
                  + " (tally.budgets.reservations.fail-open=false); try again shortly");
    };
  }

  /** Runs a store call when one of the permits is free; an interrupted wait is a store down. */
  private <T> T limited(Supplier<T> call) {
    try {
      storeCalls.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BudgetUnavailableException(
          "interrupted while waiting for the budget reservation store");
    }
    try {
      return call.get();
    } finally {
      storeCalls.release();
    }
  }

  /** A store call after the request's answer: never throws (the sweeper ends what it misses). */
  private void quietly(Supplier<Boolean> call) {
    try {
      limited(call);
    } catch (BudgetUnavailableException e) {
      // interrupted while waiting: the sweeper settles or releases the reservation later
    }
  }

  /** The micro-units of currency the tokens cost at the model's price, 0 when unpriced. */
  long micros(@Nullable String model, Instant at, TokenUsage tokens) {
    BigDecimal amount = prices.cost(model, at, tokens).amount();
    return amount == null
        ? 0
        : BudgetReservations.units(Budget.Measure.COST, amount, RoundingMode.CEILING);
  }

  private static BudgetExceededException refusal(BudgetReservations.Decision decision, Instant at) {
    Budget budget = decision.budget();
    ReservationStore.Account account = decision.account();
    if (budget == null || account == null) {
      throw new IllegalStateException("a refusal names its budget and account");
    }
    BudgetWindow.Interval window = budget.window().at(at);
    BigDecimal held = amount(budget, account.committed() + account.reserved());
    BudgetStatus status =
        new BudgetStatus(
            budget,
            window,
            held,
            budget.limit().subtract(held).max(BigDecimal.ZERO),
            budget.reachedThresholds(held));
    return new BudgetExceededException(new BudgetGuard.Refusal(status, decision.retryAfter()));
  }

  private static BigDecimal amount(Budget budget, long units) {
    BigDecimal value = BigDecimal.valueOf(units);
    return budget.measure() == Budget.Measure.COST ? value.movePointLeft(6) : value;
  }

  /**
   * One reserved call. {@link #dispatched()} just before the model is called; then it ends once:
   * {@link #settle}, the end of the {@link #watch watched} usage stream, or {@link #close()}.
   * Thread-safe; never throws.
   */
  public static final class Call implements AutoCloseable {
    /** A call that holds nothing: reservations are off, or the store was down and fail-open. */
    public static final Call NONE = new Call(null, "", "", Instant.EPOCH);

    private final @Nullable CallReservations owner;
    private final String requestId;
    private final String model;
    private final Instant reservedAt;
    private final AtomicInteger state = new AtomicInteger(OPEN);

    private Call(
        @Nullable CallReservations owner, String requestId, String model, Instant reservedAt) {
      this.owner = owner;
      this.requestId = requestId;
      this.model = model;
      this.reservedAt = reservedAt;
    }

    /** Whether this call holds a reservation. */
    public boolean reserved() {
      return owner != null;
    }

    /** The model is about to be called: from now on the call settles rather than releases. */
    public void dispatched() {
      CallReservations o = owner;
      if (o != null && state.compareAndSet(OPEN, DISPATCHED)) {
        o.quietly(
            () -> {
              o.reservations().dispatched(requestId);
              return true;
            });
      }
    }

    /**
     * The call ended having used {@code used} (priced at {@code answeredBy}, or the model asked for
     * when null); a call never dispatched is released instead. Only the first end counts.
     */
    public void settle(@Nullable String answeredBy, TokenUsage used) {
      CallReservations o = owner;
      if (o == null) {
        return;
      }
      int was = state.getAndSet(ENDED);
      if (was == DISPATCHED) {
        String priced = answeredBy == null ? model : answeredBy;
        long costMicros = o.micros(priced, reservedAt, used);
        o.quietly(() -> o.reservations().settle(requestId, used.total(), costMicros));
      } else if (was == OPEN) {
        o.quietly(() -> o.reservations().release(requestId));
      }
    }

    /**
     * The usage stream of this call, which settles the call with its tokens when it ends
     * (completed, failed or cancelled) or is closed.
     */
    public UsageStream watch(UsageStream usage) {
      return owner == null ? usage : new SettlingUsageStream(usage, this, model);
    }

    /**
     * Ends the call if nothing else did: released when it never reached the model, otherwise
     * settled with no usage (a call that failed without a usage report, as its usage event records
     * it).
     */
    @Override
    public void close() {
      settle(null, TokenUsage.estimated(0, 0));
    }
  }

  private BudgetReservations reservations() {
    BudgetReservations r = reservations;
    if (r == null) {
      throw new IllegalStateException("reservations are off");
    }
    return r;
  }
}
