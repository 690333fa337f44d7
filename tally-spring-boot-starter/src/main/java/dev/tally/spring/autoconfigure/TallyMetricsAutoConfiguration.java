package dev.tally.spring.autoconfigure;

import dev.tally.core.budget.AlertDispatcher;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.spring.event.UsageReportableListener;
import dev.tally.spring.metrics.TallyPipelineMetrics;
import dev.tally.spring.metrics.TallyUsageMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters for the pipeline and for usage, when Micrometer is present. Usage meters are
 * recorded by the pipeline worker, never on the request thread.
 */
@AutoConfiguration(
    before = TallyAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
public final class TallyMetricsAutoConfiguration {

  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnMissingBean
  TallyUsageMetrics tallyUsageMetrics(
      MeterRegistry registry, TallyProperties properties, ObjectProvider<PriceCatalog> prices) {
    return new TallyUsageMetrics(
        registry, properties.getMetrics().getMaxTagValues(), prices.getIfAvailable());
  }

  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  TallyPipelineCustomizer tallyMetricsPipelineCustomizer(
      MeterRegistry registry, ObjectProvider<TallyUsageMetrics> usage, TallyProperties properties) {
    return builder -> {
      builder.exportObserver(TallyPipelineMetrics.exportTimer(registry));
      TallyUsageMetrics metrics = usage.getIfAvailable();
      if (metrics != null && properties.getMetrics().isUsage()) {
        builder.acceptObserver(metrics);
      }
    };
  }

  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnMissingBean
  TallyPipelineMetrics tallyPipelineMetrics(UsagePipeline pipeline) {
    return new TallyPipelineMetrics(pipeline);
  }

  /** {@code tally.budget.alerts{state=fired|delivered|failed}}, when budgets are on. */
  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  MeterBinder tallyBudgetMetrics(
      ObjectProvider<BudgetEvaluator> evaluator, ObjectProvider<AlertDispatcher> dispatcher) {
    return registry -> {
      BudgetEvaluator fired = evaluator.getIfAvailable();
      AlertDispatcher delivery = dispatcher.getIfAvailable();
      if (fired == null || delivery == null) {
        return;
      }
      FunctionCounter.builder("tally.budget.alerts", fired, BudgetEvaluator::firedCount)
          .description("Budget alerts, by state")
          .tag("state", "fired")
          .register(registry);
      FunctionCounter.builder("tally.budget.alerts", delivery, AlertDispatcher::deliveredCount)
          .description("Budget alerts, by state")
          .tag("state", "delivered")
          .register(registry);
      FunctionCounter.builder("tally.budget.alerts", delivery, AlertDispatcher::failedCount)
          .description("Budget alerts, by state")
          .tag("state", "failed")
          .register(registry);
    };
  }

  /**
   * {@code tally.internal.failures{component=listener}}: domain events that could not be tracked.
   */
  @Bean
  MeterBinder tallyListenerFailureMetrics(ObjectProvider<UsageReportableListener> listener) {
    return registry ->
        listener.ifAvailable(
            l -> internalFailures(registry, "listener", l, UsageReportableListener::failures));
  }

  /**
   * Registers {@code tally.internal.failures{component}}: failures of Tally's own parts (never of
   * the business call), each logged at WARN once and then at DEBUG by its reporter.
   */
  static <T> void internalFailures(
      MeterRegistry registry, String component, T source, ToDoubleFunction<T> count) {
    FunctionCounter.builder("tally.internal.failures", source, count)
        .description("Failures inside Tally's tracking (the business call is unaffected)")
        .tag("component", component)
        .register(registry);
  }
}
