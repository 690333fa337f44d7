package dev.tally.spring.autoconfigure;

import dev.tally.core.budget.AlertDispatcher;
import dev.tally.core.budget.AlertNotifier;
import dev.tally.core.budget.AlertOutbox;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.InMemoryAlertOutbox;
import dev.tally.core.budget.LogAlertNotifier;
import dev.tally.core.budget.QuerySpendSource;
import dev.tally.core.budget.SpendSource;
import dev.tally.core.budget.WebhookAlertNotifier;
import dev.tally.core.query.UsageQueries;
import dev.tally.jdbc.JdbcAlertOutbox;
import dev.tally.jdbc.JdbcBudgetStore;
import dev.tally.jdbc.JdbcUsageStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Budgets on the ledger: after each stored batch the pipeline evaluates the budgets of the batch's
 * subjects; alerts go to an outbox and from there to the log and to signed webhooks; a {@link
 * BudgetGuard} tells the application whether to refuse a request. Spend is read from the store's
 * queries, so it needs a {@link UsageQueries} (the default JDBC store is one).
 *
 * <p>With the JDBC store, budgets and the alert outbox live in the ledger's database ({@link
 * JdbcBudgetStore}, {@link JdbcAlertOutbox}), so a threshold fires once per window across restarts
 * and instances. With another store they live in memory.
 */
@AutoConfiguration(after = TallyAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "tally.budgets.enabled", matchIfMissing = true)
@ConditionalOnBean(UsageQueries.class)
public final class TallyBudgetAutoConfiguration {

  /** In the ledger's database when the ledger is the JDBC store, in memory otherwise. */
  @Bean
  @ConditionalOnMissingBean
  BudgetRepository tallyBudgetRepository(ObjectProvider<JdbcUsageStore> store) {
    JdbcUsageStore jdbc = store.getIfUnique();
    return jdbc != null ? JdbcBudgetStore.on(jdbc) : BudgetRepository.inMemory();
  }

  /** Beside the budgets: in the ledger's database when the ledger is the JDBC store. */
  @Bean
  @ConditionalOnMissingBean
  AlertOutbox tallyAlertOutbox(ObjectProvider<JdbcUsageStore> store) {
    JdbcUsageStore jdbc = store.getIfUnique();
    return jdbc != null ? JdbcAlertOutbox.on(jdbc) : new InMemoryAlertOutbox();
  }

  @Bean
  @ConditionalOnMissingBean
  SpendSource tallySpendSource(UsageQueries queries) {
    return new QuerySpendSource(queries);
  }

  @Bean
  @ConditionalOnMissingBean
  BudgetEvaluator tallyBudgetEvaluator(
      BudgetRepository budgets,
      SpendSource spend,
      AlertOutbox outbox,
      ObjectProvider<Clock> clock) {
    return new BudgetEvaluator(budgets, spend, outbox, clock.getIfAvailable(Clock::systemUTC));
  }

  @Bean
  @ConditionalOnMissingBean
  BudgetGuard tallyBudgetGuard(
      BudgetRepository budgets, BudgetEvaluator evaluator, ObjectProvider<Clock> clock) {
    return new BudgetGuard(budgets, evaluator, clock.getIfAvailable(Clock::systemUTC));
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  AlertDispatcher tallyAlertDispatcher(
      AlertOutbox outbox,
      BudgetRepository budgets,
      ObjectProvider<AlertNotifier> notifiers,
      TallyProperties properties,
      ObjectProvider<Clock> clock) {
    Clock time = clock.getIfAvailable(Clock::systemUTC);
    List<AlertNotifier> all = new ArrayList<>();
    all.add(new LogAlertNotifier());
    all.add(WebhookAlertNotifier.create(time));
    notifiers.orderedStream().forEach(all::add);
    TallyProperties.Budgets b = properties.getBudgets();
    return new AlertDispatcher(
        outbox,
        budgets,
        all,
        time,
        b.getAlertPollInterval(),
        b.getAlertInitialBackoff(),
        b.getAlertMaxBackoff());
  }
}
