package dev.tally.server.auth;

import dev.tally.server.web.HttpSettings;
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
      ApiKeys keys, JsonMapper json, HttpSettings http) {
    // A declared length over the limit is refused before the key is looked up; the body limit
    // filter holds the bytes actually read to the same limit.
    long maxBody = http.maxBodySize().toBytes();
    FilterRegistrationBean<ApiKeyFilter> registration =
        new FilterRegistrationBean<>(new ApiKeyFilter(keys, json, maxBody));
    registration.setName("apiKeyFilter");
    registration.setOrder(ORDER);
    registration.addUrlPatterns("/api/*");
    return registration;
  }
}
