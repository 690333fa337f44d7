package dev.tally.spring.autoconfigure;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Stamps each event with the current trace id from Micrometer Tracing (which bridges to
 * OpenTelemetry or Brave) when it is on the classpath and a {@link Tracer} bean exists.
 */
@AutoConfiguration(before = TallyAutoConfiguration.class)
@ConditionalOnClass(Tracer.class)
public final class TallyTracingAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  TallyTraceIdProvider tallyTraceIdProvider(ObjectProvider<Tracer> tracers) {
    return new TallyTraceIdProvider() {
      private volatile Tracer tracer;

      @Override
      public String get() {
        Tracer current = tracer;
        if (current == null) {
          current = tracers.getIfAvailable(() -> Tracer.NOOP);
          tracer = current;
        }
        Span span = current.currentSpan();
        String id = span == null ? null : span.context().traceId();
        return id == null || id.isBlank() ? null : id;
      }
    };
  }
}
