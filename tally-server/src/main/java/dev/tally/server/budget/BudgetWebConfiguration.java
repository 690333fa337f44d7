package dev.tally.server.budget;

import dev.tally.core.budget.BudgetGuard;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts the budget check in front of the chat endpoints, when budgets are on. */
@Configuration(proxyBeanMethods = false)
class BudgetWebConfiguration implements WebMvcConfigurer {
  private final ObjectProvider<BudgetGuard> guard;

  BudgetWebConfiguration(ObjectProvider<BudgetGuard> guard) {
    this.guard = guard;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    BudgetGuard available = guard.getIfAvailable();
    if (available != null) {
      registry
          .addInterceptor(new BudgetEnforcement(available))
          .addPathPatterns("/api/chat", "/api/chat/**");
    }
  }
}
