package dev.tally.spring.autoconfigure;

import dev.tally.core.UsagePipeline;
import dev.tally.spring.metrics.TallyPipelineMetrics;
import dev.tally.spring.metrics.TallyUsageMetrics;
import io.micrometer.core.instrument.MeterRegistry;
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
  TallyUsageMetrics tallyUsageMetrics(MeterRegistry registry, TallyProperties properties) {
    return new TallyUsageMetrics(registry, properties.getMetrics().getMaxTagValues());
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
}
