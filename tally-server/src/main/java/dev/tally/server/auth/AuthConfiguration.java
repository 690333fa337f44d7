package dev.tally.server.auth;

import dev.tally.server.ServerSettings;
import java.time.Clock;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * API keys and their bookkeeping, the admin key at start, {@link ApiKeyFilter} on {@code /api/*}
 * (inside Tally's HTTP middleware) and {@link ActuatorKeyFilter} on {@code /actuator}.
 */
@Configuration(proxyBeanMethods = false)
class AuthConfiguration {
  /** After Tally's filter (order -100 by default), so that its event sees the subject we set. */
  static final int ORDER = -50;

  static final String METRICS_KEY_PROPERTY = "tally.server.metrics-key";
  static final String METRICS_KEY_VARIABLE = "TALLY_METRICS_KEY";

  @Bean
  KeyUsage keyUsage(JdbcClient db, TransactionTemplate tx, ServerSettings settings) {
    return new KeyUsage(db, tx, settings.keys().lastUsedInterval());
  }

  @Bean
  ApiKeys apiKeys(
      JdbcClient db, Users users, KeyUsage usage, Clock clock, ServerSettings settings) {
    return new ApiKeys(db, users, usage, clock, new KeyCache(settings.keys().cacheTtl(), clock));
  }

  /** Checks the admin key's strength while the context starts: a weak key never listens. */
  @Bean
  AdminKeyBootstrap adminKeyBootstrap(
      Users users, ApiKeys keys, ServerSettings settings, TransactionTemplate tx) {
    return new AdminKeyBootstrap(users, keys, settings, tx, System.err);
  }

  @Bean
  FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(ApiKeys keys, JsonMapper json) {
    FilterRegistrationBean<ApiKeyFilter> registration =
        new FilterRegistrationBean<>(new ApiKeyFilter(keys, json));
    registration.setName("apiKeyFilter");
    registration.setOrder(ORDER);
    registration.addUrlPatterns("/api/*");
    return registration;
  }

  /**
   * @throws WeakKeyException when the metrics key is set and weak
   */
  @Bean
  FilterRegistrationBean<ActuatorKeyFilter> actuatorKeyFilter(
      ApiKeys keys, JsonMapper json, ServerSettings settings) {
    String metricsKey = settings.metricsKey();
    if (metricsKey != null && metricsKey.isBlank()) {
      metricsKey = null;
    }
    if (metricsKey != null) {
      WeakKeyException.requireStrong(METRICS_KEY_PROPERTY, METRICS_KEY_VARIABLE, metricsKey);
    }
    FilterRegistrationBean<ActuatorKeyFilter> registration =
        new FilterRegistrationBean<>(new ActuatorKeyFilter(keys, json, metricsKey));
    registration.setName("actuatorKeyFilter");
    registration.setOrder(ORDER);
    registration.addUrlPatterns("/actuator", "/actuator/*");
    return registration;
  }
}
