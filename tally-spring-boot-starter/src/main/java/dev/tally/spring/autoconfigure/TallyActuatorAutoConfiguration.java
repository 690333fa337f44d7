package dev.tally.spring.autoconfigure;

import dev.tally.core.UsageTracker;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.spring.actuate.TallyEndpoint;
import dev.tally.spring.actuate.TallyHealthIndicator;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The actuator endpoint {@code tally} and the {@code tally} health indicator. */
@AutoConfiguration(after = TallyAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
public final class TallyActuatorAutoConfiguration {

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  static class EndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(UsagePipeline.class)
    TallyEndpoint tallyEndpoint(UsagePipeline pipeline, UsageTracker tracker) {
      return new TallyEndpoint(pipeline, tracker);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  static class HealthConfiguration {
    @Bean(name = "tallyHealthIndicator")
    @ConditionalOnMissingBean(name = "tallyHealthIndicator")
    @ConditionalOnBean(UsagePipeline.class)
    TallyHealthIndicator tallyHealthIndicator(UsagePipeline pipeline, TallyProperties properties) {
      return new TallyHealthIndicator(pipeline, properties.getHealth().getMaxSpoolBytes());
    }
  }
}
