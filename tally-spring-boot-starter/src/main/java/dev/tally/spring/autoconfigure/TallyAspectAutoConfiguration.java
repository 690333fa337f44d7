package dev.tally.spring.autoconfigure;

import dev.tally.core.TrackUsage;
import dev.tally.core.UsageTracker;
import dev.tally.spring.aop.TrackUsageInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.aopalliance.intercept.MethodInterceptor;
import org.springframework.aop.Advisor;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * {@code @TrackUsage} through Spring AOP: an infrastructure advisor (a {@link MethodInterceptor} on
 * methods carrying the annotation, also when it sits on an interface method or a superclass). It
 * needs only {@code spring-aop}, not AspectJ. When the application has no auto-proxy creator (for
 * example {@code spring.aop.auto=false}) one is registered, as {@code @EnableCaching} does.
 */
@AutoConfiguration(after = TallyAutoConfiguration.class)
@ConditionalOnClass(MethodInterceptor.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@Import(TallyAspectAutoConfiguration.AutoProxyRegistrar.class)
public final class TallyAspectAutoConfiguration {

  /** Bean name of the advisor; define a bean of this name to replace it. */
  public static final String ADVISOR_BEAN_NAME = "tallyTrackUsageAdvisor";

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  @ConditionalOnBean(UsageTracker.class)
  static TrackUsageInterceptor tallyTrackUsageInterceptor(ObjectProvider<UsageTracker> tracker) {
    // Looked up on the first call: an advisor is created before ordinary beans, and asking for the
    // tracker here would start the store and the pipeline that early.
    return new TrackUsageInterceptor(tracker::getIfAvailable, ClassUtils.getDefaultClassLoader());
  }

  @Bean(name = ADVISOR_BEAN_NAME)
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean(name = ADVISOR_BEAN_NAME)
  @ConditionalOnBean(TrackUsageInterceptor.class)
  static Advisor tallyTrackUsageAdvisor(TrackUsageInterceptor interceptor) {
    DefaultPointcutAdvisor advisor =
        new DefaultPointcutAdvisor(
            new AnnotationMatchingPointcut(null, TrackUsage.class, true), interceptor);
    // As far inside as ordering allows: a retry around the call records one operation per attempt
    // (each attempt is spent tokens), and the tracked duration is the method's own.
    advisor.setOrder(Ordered.LOWEST_PRECEDENCE);
    return advisor;
  }

  /** Registers Spring's infrastructure auto-proxy creator unless a stronger one is present. */
  /** {@code tally.internal.failures{component=interceptor}}: expressions and reads that failed. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class FailureMetrics {
    @Bean
    MeterBinder tallyInterceptorFailureMetrics(ObjectProvider<TrackUsageInterceptor> interceptor) {
      return registry ->
          interceptor.ifAvailable(
              i ->
                  TallyMetricsAutoConfiguration.internalFailures(
                      registry, "interceptor", i, TrackUsageInterceptor::expressionFailures));
    }
  }

  static final class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar {
    @Override
    public void registerBeanDefinitions(
        AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
      AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
    }
  }
}
