package dev.tally.spring.autoconfigure;

import dev.tally.core.budget.BudgetEvaluatingSink;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.sink.UsageSink;
import dev.tally.kafka.KafkaUsageIngester;
import dev.tally.kafka.KafkaUsageSink;
import dev.tally.spring.kafka.TallyKafkaHealthIndicator;
import dev.tally.spring.kafka.TallyKafkaMetrics;
import dev.tally.spring.kafka.TallyKafkaProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Usage through Kafka when {@code tally-kafka} is on the class path and {@code
 * tally.kafka.bootstrap-servers} is set. Role {@code api}: the pipeline delivers to the topic
 * ({@link KafkaUsageSink}) instead of the store. Role {@code ingester}: a {@link
 * KafkaUsageIngester} reads the topic into the store, evaluating budgets after each stored batch.
 * Role {@code both} (default): both in one process.
 */
@AutoConfiguration(after = {TallyAutoConfiguration.class, TallyBudgetAutoConfiguration.class})
@ConditionalOnClass(KafkaUsageSink.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "tally.kafka.bootstrap-servers")
@EnableConfigurationProperties(TallyKafkaProperties.class)
public final class TallyKafkaAutoConfiguration {

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnExpression("'${tally.kafka.role:both}'.toLowerCase() != 'ingester'")
  static class Api {
    @Bean
    @ConditionalOnMissingBean
    TallyPipelineTarget tallyKafkaPipelineTarget(TallyKafkaProperties kafka) {
      return new TallyPipelineTarget(
          KafkaUsageSink.builder(kafka.getBootstrapServers())
              .topic(kafka.getTopic())
              .deliveryTimeout(kafka.getDeliveryTimeout())
              .properties(kafka.getProperties())
              .build());
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnExpression("'${tally.kafka.role:both}'.toLowerCase() != 'api'")
  static class Ingester {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    KafkaUsageIngester tallyKafkaIngester(
        TallyKafkaProperties kafka,
        UsageSink store,
        ObjectProvider<BudgetEvaluator> budgets,
        ObjectProvider<Clock> clock) {
      BudgetEvaluator evaluator = budgets.getIfAvailable();
      UsageSink target = evaluator == null ? store : new BudgetEvaluatingSink(store, evaluator);
      KafkaUsageIngester.Builder b =
          KafkaUsageIngester.builder(kafka.getBootstrapServers(), target)
              .topic(kafka.getTopic())
              .groupId(kafka.getGroupId())
              .maxPollRecords(kafka.getMaxPollRecords())
              .exportTimeout(kafka.getIngestTimeout())
              .properties(kafka.getProperties())
              .clock(clock.getIfAvailable(Clock::systemUTC));
      if (kafka.getDeadLetterTopic() != null) {
        b.deadLetterTopic(kafka.getDeadLetterTopic());
      }
      return b.build();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
      @Bean(name = "tallyKafkaHealthIndicator")
      @ConditionalOnMissingBean(name = "tallyKafkaHealthIndicator")
      TallyKafkaHealthIndicator tallyKafkaHealthIndicator(KafkaUsageIngester ingester) {
        return new TallyKafkaHealthIndicator(ingester);
      }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {
      @Bean
      @ConditionalOnBean(MeterRegistry.class)
      TallyKafkaMetrics tallyKafkaMetrics(KafkaUsageIngester ingester) {
        return new TallyKafkaMetrics(ingester);
      }
    }
  }
}
