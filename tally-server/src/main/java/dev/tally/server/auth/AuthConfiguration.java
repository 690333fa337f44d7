package dev.tally.server.auth;

import dev.tally.server.ServerSettings;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Registers {@link ApiKeyFilter} on {@code /api/*}, inside Tally's HTTP middleware. */
@Configuration(proxyBeanMethods = false)
class AuthConfiguration {
  /** After Tally's filter (order -100 by default), so that its event sees the subject we set. */
  static final int ORDER = -50;

  @Bean
  FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(
      ApiKeys keys, JsonMapper json, ServerSettings settings) {
    // Room for a message at the limit even when every character is escaped in the JSON (6 bytes).
    long maxBody = settings.chat().maxMessageSize().toBytes() * 6 + 16 * 1024;
    FilterRegistrationBean<ApiKeyFilter> registration =
        new FilterRegistrationBean<>(new ApiKeyFilter(keys, json, maxBody));
    registration.setName("apiKeyFilter");
    registration.setOrder(ORDER);
    registration.addUrlPatterns("/api/*");
    return registration;
  }
}
