package dev.tally.spring.autoconfigure;

import dev.tally.core.UsageTracker;
import dev.tally.spring.web.UsageTrackingFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;

/** The HTTP middleware: a servlet filter that records every request, with an explicit order. */
@AutoConfiguration(after = TallyAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "tally.filter.enabled", matchIfMissing = true)
public final class TallyWebMvcAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "tallyUsageTrackingFilter")
  @ConditionalOnBean(UsageTracker.class)
  FilterRegistrationBean<UsageTrackingFilter> tallyUsageTrackingFilter(
      UsageTracker tracker, TallyProperties properties) {
    TallyProperties.Filter f = properties.getFilter();
    UsageTrackingFilter filter =
        new UsageTrackingFilter(
            tracker,
            f.getOperation(),
            f.getIncludePatterns(),
            f.getExcludePatterns(),
            f.getSubjectHeader(),
            f.getMaxRoutes());
    FilterRegistrationBean<UsageTrackingFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setName("tallyUsageTrackingFilter");
    registration.setOrder(f.getOrder());
    registration.addUrlPatterns("/*");
    return registration;
  }

  /** {@code tally.internal.failures{component=filter}}: requests the filter could not record. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class FailureMetrics {
    @Bean
    MeterBinder tallyFilterFailureMetrics(
        ObjectProvider<FilterRegistrationBean<UsageTrackingFilter>> registration) {
      return registry ->
          registration.ifAvailable(
              r ->
                  TallyMetricsAutoConfiguration.internalFailures(
                      registry, "filter", r.getFilter(), UsageTrackingFilter::failures));
    }
  }
}
