package dev.tally.spring.autoconfigure;

import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.ReservationStore;
import dev.tally.core.budget.ReservationSweeper;
import dev.tally.core.budget.SpendSource;
import dev.tally.jdbc.JdbcReservationStore;
import dev.tally.jdbc.JdbcUsageStore;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Fleet-wide budget reservations ({@code docs/BUDGETS.md}) when {@code
 * tally.budgets.reservations.enabled=true} and the ledger is the JDBC store: a {@link
 * JdbcReservationStore} beside the ledger, {@link BudgetReservations} (fail closed unless {@code
 * tally.budgets.reservations.fail-open=true}, accounts seeded from the ledger's spend) and a {@link
 * ReservationSweeper} on its own daemon thread. The application calls {@code reserve} before a
 * metered call and {@code settle} after it.
 */
@AutoConfiguration(after = TallyBudgetAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "tally.budgets.reservations.enabled")
@ConditionalOnBean({JdbcUsageStore.class, BudgetRepository.class})
public final class TallyReservationAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  ReservationStore tallyReservationStore(JdbcUsageStore store) {
    return JdbcReservationStore.on(store);
  }

  @Bean
  @ConditionalOnMissingBean
  BudgetReservations tallyBudgetReservations(
      BudgetRepository budgets,
      ReservationStore store,
      ObjectProvider<SpendSource> spend,
      ObjectProvider<Clock> clock,
      org.springframework.core.env.Environment env) {
    BudgetReservations.Builder b =
        BudgetReservations.builder(budgets, store)
            .clock(clock.getIfAvailable(Clock::systemUTC))
            .onStoreDown(
                env.getProperty("tally.budgets.reservations.fail-open", Boolean.class, false)
                    ? BudgetReservations.StoreDownPolicy.FAIL_OPEN
                    : BudgetReservations.StoreDownPolicy.FAIL_CLOSED);
    spend.ifAvailable(b::seed);
    return b.build();
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  ReservationSweeper tallyReservationSweeper(ReservationStore store, ObjectProvider<Clock> clock) {
    return new ReservationSweeper(
            store,
            clock.getIfAvailable(Clock::systemUTC),
            Duration.ofSeconds(ReservationSweeper.DEFAULT_MAX_AGE_SECONDS),
            Duration.ofSeconds(ReservationSweeper.DEFAULT_INTERVAL_SECONDS))
        .start();
  }
}
