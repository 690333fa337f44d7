package dev.tally.spring.autoconfigure;

import dev.tally.core.UsageTracker;
import dev.tally.spring.aop.TrackUsageAspect;
import org.aspectj.lang.ProceedingJoinPoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.EnableAspectJAutoProxy;

/** The {@code @TrackUsage} aspect, when AspectJ is on the classpath. */
@AutoConfiguration(after = TallyAutoConfiguration.class)
@ConditionalOnClass(ProceedingJoinPoint.class)
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@EnableAspectJAutoProxy
public final class TallyAspectAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(UsageTracker.class)
  TrackUsageAspect tallyTrackUsageAspect(UsageTracker tracker) {
    return new TrackUsageAspect(tracker);
  }
}
