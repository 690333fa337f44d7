package dev.tally.server.gateway;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetRepository;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * Fires the alerts of key budgets: every {@code tally.server.gateway.key-budget-alert-interval}
 * (default {@value GatewaySettings#DEFAULT_KEY_BUDGET_ALERT_INTERVAL}) it evaluates the budgets
 * whose subject is a key ({@link KeyBudgets}). The pipeline evaluates budgets after each stored
 * batch for the batch's subjects, which are users, never keys; so a key budget's threshold alert
 * comes at most one interval after the event that reached it was stored. The outbox fires each
 * threshold once per window, however often it is evaluated. Evaluation failures are logged and
 * tried again at the next interval.
 */
final class KeyBudgetAlerts implements SchedulingConfigurer {
  private static final Logger log = LoggerFactory.getLogger(KeyBudgetAlerts.class);

  private final ObjectProvider<BudgetRepository> repository;
  private final ObjectProvider<BudgetEvaluator> evaluator;
  private final Duration interval;

  KeyBudgetAlerts(
      ObjectProvider<BudgetRepository> repository,
      ObjectProvider<BudgetEvaluator> evaluator,
      Duration interval) {
    this.repository = repository;
    this.evaluator = evaluator;
    this.interval = interval;
  }

  /**
   * Evaluates every key budget now.
   *
   * @return the alerts that fired now for the first time
   */
  int evaluate() {
    BudgetRepository budgets = repository.getIfAvailable();
    BudgetEvaluator evaluation = evaluator.getIfAvailable();
    if (budgets == null || evaluation == null) {
      return 0;
    }
    try {
      Set<String> keys = new TreeSet<>();
      for (Budget budget : budgets.all()) {
        if (KeyBudgets.keyId(budget.subject()) != null) {
          keys.add(budget.subject());
        }
      }
      return keys.isEmpty() ? 0 : evaluation.evaluate(keys).size();
    } catch (RuntimeException e) {
      log.warn("could not evaluate the budgets of API keys: {}", e.toString());
      return 0;
    }
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(this::evaluate, interval);
  }
}
