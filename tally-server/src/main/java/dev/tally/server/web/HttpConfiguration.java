package dev.tally.server.web;

import dev.tally.server.ServerSettings;
import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * What every request meets before and around the controllers: the body limit on the stream, strict
 * JSON types, and problem JSON from Tomcat's own error report.
 */
@Configuration(proxyBeanMethods = false)
class HttpConfiguration {
  /**
   * After Tally's HTTP middleware (-100 by default), so a refused body is still a recorded request,
   * and before the API key filter (-50), so that its 401 to a chunked body is guarded by {@link
   * UnreadBodyResponse} too. A body is only read (and refused) in the controllers, after the key
   * filter named the caller.
   */
  static final int BODY_LIMIT_ORDER = -75;

  @Bean
  FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter(
      HttpSettings http, ServerSettings server, JsonMapper json) {
    if (http.maxBodySize().toBytes() < server.chat().maxMessageSize().toBytes()) {
      throw new IllegalArgumentException(
          "tally.server.http.max-body-size must be at least tally.server.chat.max-message-size ("
              + server.chat().maxMessageSize()
              + "), was "
              + http.maxBodySize());
    }
    FilterRegistrationBean<BodyLimitFilter> registration =
        new FilterRegistrationBean<>(new BodyLimitFilter(http.maxBodySize().toBytes(), json));
    registration.setName("bodyLimitFilter");
    registration.setOrder(BODY_LIMIT_ORDER);
    registration.addUrlPatterns("/*");
    return registration;
  }

  /**
   * A JSON number, boolean or float is not a string, and a fraction is not an integer: {@code
   * {"message": 123}} is a 400 naming the field, not a chat about "123", and a user id cannot be a
   * number. (Jackson coerces these by default.)
   */
  @Bean
  JsonMapperBuilderCustomizer strictJsonTypes() {
    return builder ->
        builder
            .withCoercionConfig(
                LogicalType.Textual,
                config ->
                    config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
  }

  /**
   * Replaces the host's {@link ErrorReportValve} (Tomcat's HTML page, which Spring Boot installs
   * without the report) by {@link ProblemErrorReportValve}, for errors raised before any servlet.
   * Unordered, so it runs after Spring Boot's customizer (order 0) that adds that valve.
   */
  @Bean
  WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> problemErrorReports(
      JsonMapper json) {
    return new WebServerFactoryCustomizer<>() {
      @Override
      public void customize(ConfigurableTomcatWebServerFactory factory) {
        factory.addContextCustomizers(
            context -> {
              Container parent = context.getParent();
              if (parent instanceof StandardHost host) {
                for (Valve valve : host.getPipeline().getValves()) {
                  if (valve instanceof ErrorReportValve) {
                    host.getPipeline().removeValve(valve);
                  }
                }
                // The host adds a valve of this class at its start unless one is there already.
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                host.getPipeline().addValve(new ProblemErrorReportValve(json));
              }
            });
      }
    };
  }
}
