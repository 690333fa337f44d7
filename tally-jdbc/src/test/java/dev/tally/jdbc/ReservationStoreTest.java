package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.BudgetReservations.Decision;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.ReservationStore;
import dev.tally.core.budget.ReservationSweeper;
import dev.tally.test.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reservation semantics every dialect keeps. */
abstract class ReservationStoreTest {
  static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
  static final Instant DAY = Instant.parse("2026-12-03T00:00:00Z");

  final MutableClock clock = new MutableClock(T0);
  final BudgetRepository budgets = BudgetRepository.inMemory();
  JdbcUsageStore store;
  JdbcReservationStore reservations;

  abstract JdbcUsageStore openStore();

  @BeforeEach
  void open() {
    store = openStore();
    reservations = JdbcReservationStore.on(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static Budget tokens(String id, String subject, long limit) {
    return new Budget(
        id,
        subject,
        Budget.Measure.TOKENS,
        BigDecimal.valueOf(limit),
        null,
        BudgetWindow.day(ZoneOffset.UTC),
        List.of(100),
        Budget.Action.BLOCK,
        null);
  }

  BudgetReservations guard() {
    return BudgetReservations.builder(budgets, reservations).clock(clock).build();
  }

  @Test
  void aReservationThatDoesNotFitIsRefusedNamingTheBudgetUntilTheWindowEnds() {
    budgets.put(tokens("alice-day", "alice", 1_000));
    BudgetReservations guard = guard();
    assertThat(guard.reserve("r1", "alice", 600, 0).kind()).isEqualTo(Decision.Kind.ADMITTED);
    Decision refused = guard.reserve("r2", "alice", 600, 0);
    assertThat(refused.kind()).isEqualTo(Decision.Kind.REFUSED);
    assertThat(refused.budget().id()).isEqualTo("alice-day");
    assertThat(refused.account()).isEqualTo(new ReservationStore.Account(1_000, 0, 600));
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofHours(14));
    assertThat(guard.reserve("r3", "bob", 5_000, 0).kind()).isEqualTo(Decision.Kind.ADMITTED);
  }

  @Test
  void aSettleReplayedTwiceCountsOnce() {
    budgets.put(tokens("alice-day", "alice", 1_000));
    BudgetReservations guard = guard();
    guard.reserve("r1", "alice", 300, 0);
    guard.dispatched("r1");
    assertThat(guard.settle("r1", 250, 0)).isTrue();
    assertThat(guard.settle("r1", 250, 0)).isFalse();
    assertThat(guard.settle("r1", 999, 0)).isFalse();
    assertThat(guard.release("r1")).isFalse();
    assertThat(reservations.account("alice-day", DAY))
        .isEqualTo(new ReservationStore.Account(1_000, 250, 0));
  }

  @Test
  void aReserveReplayedReservesOnce() {
    budgets.put(tokens("alice-day", "alice", 1_000));
    BudgetReservations guard = guard();
    assertThat(guard.reserve("r1", "alice", 600, 0).admitted()).isTrue();
    assertThat(guard.reserve("r1", "alice", 600, 0).admitted()).isTrue();
    assertThat(reservations.account("alice-day", DAY).reserved()).isEqualTo(600);
  }

  @Test
  void oneRequestReservesInEveryCoveringBudgetOrInNone() {
    budgets.put(tokens("alice-day", "alice", 1_000));
    budgets.put(tokens("everyone-day", Budget.EVERYONE, 500));
    BudgetReservations guard = guard();
    assertThat(guard.reserve("r1", "alice", 400, 0).admitted()).isTrue();
    Decision refused = guard.reserve("r2", "alice", 200, 0);
    assertThat(refused.budget().id()).isEqualTo("everyone-day");
    // Nothing of the refused request stayed in alice's account.
    assertThat(reservations.account("alice-day", DAY).reserved()).isEqualTo(400);
    guard.settle("r1", 100, 0);
    assertThat(guard.reserve("r3", "alice", 200, 0).admitted()).isTrue();
    assertThat(reservations.account("everyone-day", DAY))
        .isEqualTo(new ReservationStore.Account(500, 100, 200));
  }

  @Test
  void costBudgetsCountIntegerMicroUnitsAndANewWindowStartsFromTheLedgersSpend() {
    budgets.put(
        new Budget(
            "alice-usd",
            "alice",
            Budget.Measure.COST,
            new BigDecimal("2.50"),
            "USD",
            BudgetWindow.day(ZoneOffset.UTC),
            List.of(100),
            Budget.Action.BLOCK,
            null));
    BudgetReservations guard =
        BudgetReservations.builder(budgets, reservations)
            .clock(clock)
            .seed((budget, window) -> new BigDecimal("1.0000005"))
            .build();
    assertThat(guard.reserve("r1", "alice", 0, 1_400_000).admitted()).isTrue();
    assertThat(reservations.account("alice-usd", DAY))
        .isEqualTo(new ReservationStore.Account(2_500_000, 1_000_001, 1_400_000));
    assertThat(guard.reserve("r2", "alice", 0, 100_000).kind()).isEqualTo(Decision.Kind.REFUSED);
  }

  @Test
  void theSweeperSettlesDispatchedCallsAtTheirEstimateAndReleasesTheRestByTheInjectedClock() {
    budgets.put(tokens("alice-day", "alice", 10_000));
    BudgetReservations guard = guard();
    guard.reserve("ran", "alice", 300, 0);
    guard.dispatched("ran");
    guard.reserve("never-ran", "alice", 200, 0);
    clock.advance(Duration.ofMinutes(8));
    guard.reserve("recent", "alice", 100, 0);
    ReservationSweeper sweeper =
        new ReservationSweeper(reservations, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));

    assertThat(sweeper.sweepOnce()).isEqualTo(new ReservationStore.SweepResult(0, 0));
    clock.advance(Duration.ofMinutes(3));
    assertThat(sweeper.sweepOnce()).isEqualTo(new ReservationStore.SweepResult(1, 1));
    assertThat(reservations.account("alice-day", DAY))
        .isEqualTo(new ReservationStore.Account(10_000, 300, 100));
    assertThat(sweeper.sweepOnce()).isEqualTo(new ReservationStore.SweepResult(0, 0));
    // A settle arriving after the sweep finds nothing open and counts nothing twice.
    assertThat(guard.settle("ran", 280, 0)).isFalse();
    assertThat(reservations.account("alice-day", DAY).committed()).isEqualTo(300);
  }

  @Test
  void aStoreThatIsDownFailsClosedByDefaultAndOpenWhenConfigured() {
    budgets.put(tokens("alice-day", "alice", 1_000));
    store.close();
    assertThat(guard().reserve("r1", "alice", 10, 0).kind()).isEqualTo(Decision.Kind.UNAVAILABLE);
    BudgetReservations open =
        BudgetReservations.builder(budgets, reservations)
            .clock(clock)
            .onStoreDown(BudgetReservations.StoreDownPolicy.FAIL_OPEN)
            .build();
    assertThat(open.reserve("r2", "alice", 10, 0).kind())
        .isEqualTo(Decision.Kind.ADMITTED_UNRESERVED);
    assertThat(open.settle("r2", 10, 0)).isFalse();
  }
}
