package dev.tally.server.budget;

import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.pricing.PriceCatalog;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The server's {@link CallReservations}: on when {@code tally.budgets.reservations.enabled=true}
 * (the starter then provides {@link BudgetReservations} on the JDBC ledger), off otherwise.
 */
@Configuration(proxyBeanMethods = false)
class ReservationConfiguration {
  static final String ENABLED = "tally.budgets.reservations.enabled";
  static final String DEFAULT_OUTPUT_TOKENS = "tally.budgets.reservations.default-output-tokens";
  static final String STORE_CONCURRENCY = "tally.budgets.reservations.store-concurrency";

  @Bean
  CallReservations callReservations(
      ObjectProvider<BudgetReservations> reservations,
      PriceCatalog prices,
      Clock clock,
      Environment env) {
    BudgetReservations r = null;
    if (env.getProperty(ENABLED, Boolean.class, false)) {
      r = reservations.getIfAvailable();
      if (r == null) {
        throw new IllegalStateException(
            ENABLED
                + "=true needs budgets on the JDBC ledger (tally.store.url), but no budget"
                + " reservations are configured");
      }
    }
    return new CallReservations(
        r,
        prices,
        clock,
        env.getProperty(DEFAULT_OUTPUT_TOKENS, Long.class, CallReservations.DEFAULT_OUTPUT_TOKENS),
        env.getProperty(
            STORE_CONCURRENCY, Integer.class, CallReservations.DEFAULT_STORE_CONCURRENCY));
  }
}
