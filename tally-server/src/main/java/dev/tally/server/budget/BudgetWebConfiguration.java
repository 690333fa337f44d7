package dev.tally.server.budget;

import dev.tally.core.budget.BudgetGuard;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Puts the ledger-based budget check in front of the chat endpoints, when budgets are on and
 * reservations ({@link CallReservations}) are off: with reservations, the reservation is the check.
 */
@Configuration(proxyBeanMethods = false)
class BudgetWebConfiguration implements WebMvcConfigurer {
  private final ObjectProvider<BudgetGuard> guard;
  private final CallReservations reservations;

  BudgetWebConfiguration(ObjectProvider<BudgetGuard> guard, CallReservations reservations) {
    this.guard = guard;
    this.reservations = reservations;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    BudgetGuard available = guard.getIfAvailable();
    if (available != null && !reservations.enabled()) {
      registry
          .addInterceptor(new BudgetEnforcement(available))
          .addPathPatterns("/api/chat", "/api/chat/**");
    }
  }
}
