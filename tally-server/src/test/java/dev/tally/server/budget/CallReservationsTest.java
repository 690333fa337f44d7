package dev.tally.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.ReservationStore;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pricing.ModelPrice;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.jdbc.JdbcReservationStore;
import dev.tally.jdbc.JdbcUsageStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's reserve/settle glue over a real reservation store (SQLite): the estimate, settling
 * streams that were cancelled or failed with what they used, releasing calls that never reached the
 * model, and the store-down policies.
 */
class CallReservationsTest {
  static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  static final Instant DAY = Instant.parse("2026-12-03T00:00:00Z");
  static final long DEFAULT_OUTPUT = 100;

  @TempDir Path dir;
  final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  final BudgetRepository budgets = BudgetRepository.inMemory();
  final PriceCatalog prices =
      PriceCatalog.of(
          "test-1",
          List.of(
              ModelPrice.of(
                  "priced",
                  Instant.parse("2026-01-01T00:00:00Z"),
                  "USD",
                  new BigDecimal("1.00"),
                  null,
                  null,
                  new BigDecimal("2.00"),
                  null)));
  final List<UsageEvent> events = new CopyOnWriteArrayList<>();
  final UsageTracker tracker = UsageTracker.builder(events::add).clock(clock).build();
  JdbcUsageStore store;
  JdbcReservationStore accounts;

  @BeforeEach
  void open() {
    store =
        JdbcUsageStore.builder().url("jdbc:sqlite:" + dir.resolve("tally.db")).clock(clock).build();
    accounts = JdbcReservationStore.on(store);
    budgets.put(tokens("alice-tokens", 1_000));
  }

  @AfterEach
  void close() {
    store.close();
  }

  CallReservations reservations(BudgetReservations.StoreDownPolicy policy) {
    return new CallReservations(
        BudgetReservations.builder(budgets, accounts).clock(clock).onStoreDown(policy).build(),
        prices,
        clock,
        DEFAULT_OUTPUT,
        2);
  }

  CallReservations reservations() {
    return reservations(BudgetReservations.StoreDownPolicy.FAIL_CLOSED);
  }

  ReservationStore.Account account(String budget) {
    return accounts.account(budget, DAY);
  }

  static Budget tokens(String id, long limit) {
    return new Budget(
        id,
        "alice",
        Budget.Measure.TOKENS,
        BigDecimal.valueOf(limit),
        null,
        BudgetWindow.day(ZoneOffset.UTC),
        List.of(100),
        Budget.Action.BLOCK,
        null);
  }

  CallReservations.Call reserve(CallReservations r, String id, long prompt, OptionalLong max) {
    return r.reserve(id, "alice", "priced", () -> prompt, max);
  }

  @Test
  void theEstimateIsThePromptPlusTheDefaultOutputCap() {
    reserve(reservations(), "r1", 30, OptionalLong.empty());

    assertThat(account("alice-tokens").reserved()).isEqualTo(30 + DEFAULT_OUTPUT);
  }

  @Test
  void aRequestsOwnOutputLimitReplacesTheDefaultCap() {
    reserve(reservations(), "r1", 30, OptionalLong.of(7));

    assertThat(account("alice-tokens").reserved()).isEqualTo(37);
  }

  @Test
  void aCostBudgetReservesTheEstimatePricedInMicroUnits() {
    budgets.put(
        new Budget(
            "alice-usd",
            "alice",
            Budget.Measure.COST,
            new BigDecimal("1.00"),
            "USD",
            BudgetWindow.day(ZoneOffset.UTC),
            List.of(100),
            Budget.Action.BLOCK,
            null));

    // 400 input tokens at $1/M and 100 output at $2/M: $0.0006 = 600 micro-dollars
    reserve(reservations(), "r1", 400, OptionalLong.empty());

    assertThat(account("alice-usd").reserved()).isEqualTo(600);
    assertThat(account("alice-tokens").reserved()).isEqualTo(500);
  }

  @Test
  void anEstimateThatDoesNotFitIsRefusedNamingTheBudgetWithRetryAfter() {
    CallReservations r = reservations();
    reserve(r, "r1", 800, OptionalLong.of(100));

    assertThatThrownBy(() -> reserve(r, "r2", 50, OptionalLong.of(100)))
        .isInstanceOfSatisfying(
            BudgetExceededException.class,
            e -> {
              assertThat(e.refusal().status().budget().id()).isEqualTo("alice-tokens");
              assertThat(e.refusal().status().spent()).isEqualByComparingTo("900");
              assertThat(e.refusal().retryAfter()).isEqualTo(Duration.ofHours(14));
              assertThat(e.getMessage()).contains("alice-tokens");
            });
    assertThat(account("alice-tokens").reserved()).isEqualTo(900);
  }

  @Test
  void aPlainCallSettlesItsActualUsageOnceEvenWhenSettledAgain() {
    CallReservations.Call call = reserve(reservations(), "r1", 30, OptionalLong.empty());
    call.dispatched();

    call.settle("priced", TokenUsage.estimated(30, 12));
    call.settle("priced", TokenUsage.estimated(30, 500));
    call.close();

    assertThat(account("alice-tokens")).isEqualTo(new ReservationStore.Account(1_000, 42, 0));
  }

  @Test
  void aCancelledStreamSettlesTheTokensItUsed() {
    CallReservations.Call call = reserve(reservations(), "r1", 30, OptionalLong.empty());
    TokenUsage used;
    call.dispatched();
    try (UsageStream usage = call.watch(tracker.startStream("chat", UsageContext.of("alice")))) {
      usage.promptTokens(30).delivered("the first words of an answer");
      usage.cancel();
      used = usage.tokens();
    }

    assertThat(used.output()).isPositive();
    assertThat(account("alice-tokens"))
        .isEqualTo(new ReservationStore.Account(1_000, used.total(), 0));
    assertThat(events).singleElement().satisfies(e -> assertThat(e.tokens()).isEqualTo(used));
  }

  @Test
  void aFailedStreamSettlesThePartialUsageItRecorded() {
    CallReservations.Call call = reserve(reservations(), "r1", 30, OptionalLong.empty());
    call.dispatched();
    try (UsageStream usage = call.watch(tracker.startStream("chat", UsageContext.of("alice")))) {
      usage.partialUsage(TokenUsage.reported(30, 9));
      usage.fail(new ErrorInfo("upstream.broken", "the stream broke"));
    }

    assertThat(account("alice-tokens")).isEqualTo(new ReservationStore.Account(1_000, 39, 0));
  }

  @Test
  void aStreamThatNeverReachedTheModelIsReleased() {
    CallReservations.Call call = reserve(reservations(), "r1", 30, OptionalLong.empty());
    try (UsageStream usage = call.watch(tracker.startStream("chat", UsageContext.of("alice")))) {
      usage.promptTokens(30);
      usage.fail(new ErrorInfo("session.gone", "before the model was called"));
    }
    call.dispatched(); // too late: the call has ended

    assertThat(account("alice-tokens")).isEqualTo(new ReservationStore.Account(1_000, 0, 0));
    assertThat(accounts.settle("r1", 30, 0, NOW)).isFalse();
  }

  @Test
  void aCallClosedBeforeDispatchIsReleasedAndOneClosedAfterDispatchSettlesNothingMore() {
    CallReservations r = reservations();
    try (CallReservations.Call never = reserve(r, "r1", 30, OptionalLong.empty())) {
      assertThat(never.reserved()).isTrue();
    }
    try (CallReservations.Call failed = reserve(r, "r2", 30, OptionalLong.empty())) {
      failed.dispatched(); // the model then threw without a usage report
    }

    assertThat(account("alice-tokens")).isEqualTo(new ReservationStore.Account(1_000, 0, 0));
    assertThat(accounts.settle("r1", 5, 0, NOW)).isFalse();
    assertThat(accounts.settle("r2", 5, 0, NOW)).isFalse();
  }

  @Test
  void aStoreThatIsDownRefusesWith503ByDefault() {
    CallReservations r = reservations();
    store.close();

    assertThatThrownBy(() -> reserve(r, "r1", 30, OptionalLong.empty()))
        .isInstanceOf(BudgetUnavailableException.class)
        .hasMessageContaining("tally.budgets.reservations.fail-open");
  }

  @Test
  void aStoreThatIsDownAdmitsUnreservedWhenFailOpen() {
    CallReservations r = reservations(BudgetReservations.StoreDownPolicy.FAIL_OPEN);
    store.close();

    CallReservations.Call call = reserve(r, "r1", 30, OptionalLong.empty());
    call.dispatched();
    call.settle("priced", TokenUsage.estimated(30, 10)); // nothing to settle, never throws

    assertThat(call.reserved()).isFalse();
  }

  @Test
  void offAdmitsEveryCallWithoutCountingItsPrompt() {
    CallReservations.Call call =
        CallReservations.off()
            .reserve(
                "r1",
                "alice",
                "priced",
                () -> {
                  throw new AssertionError("the prompt is not counted when reservations are off");
                },
                OptionalLong.empty());

    assertThat(call.reserved()).isFalse();
    assertThat(CallReservations.off().enabled()).isFalse();
  }

  @Test
  void aNegativeDefaultOutputCapIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> new CallReservations(null, prices, clock, -1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tally.budgets.reservations.default-output-tokens must be >= 0, was -1");
  }
}
