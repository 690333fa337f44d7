package dev.tally.server.gateway;

import dev.tally.core.UsageTracker;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.QuerySpendSource;
import dev.tally.core.budget.SpendSource;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.query.UsageQueries;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.server.ServerSettings;
import dev.tally.server.auth.ApiKeys;
import dev.tally.server.budget.CallReservations;
import dev.tally.server.model.TokenCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationPredicate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's parts: the upstreams from {@link GatewaySettings} (plus the built-in echo), one
 * HTTP client for all of them, the rate limits, and {@link GatewayFilter} on {@code /v1/*}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "tally.server.gateway.enabled",
    havingValue = "true",
    matchIfMissing = true)
class GatewayConfiguration {
  /** As the API key filter: after Tally's HTTP middleware, so its event sees the subject. */
  static final int FILTER_ORDER = -50;

  /** One HTTP client (and connection pool) for all upstreams; closed with the context. */
  @Bean
  UpstreamHttp gatewayUpstreamHttp(GatewaySettings settings) {
    return new UpstreamHttp(
        settings.connectTimeout(), settings.timeout(), settings.validateAfterIdle());
  }

  @Bean
  Upstreams gatewayUpstreams(
      UpstreamHttp http,
      GatewaySettings settings,
      ServerSettings server,
      Environment environment,
      JsonMapper json,
      TokenCounter tokens,
      Clock clock) {
    List<Upstream> upstreams = new ArrayList<>();
    boolean echoConfigured = false;
    for (Map.Entry<String, GatewaySettings.UpstreamSettings> e : settings.upstreams().entrySet()) {
      String name = e.getKey();
      GatewaySettings.UpstreamSettings u = e.getValue();
      String prefix = "tally.server.gateway.upstreams." + name;
      switch (u.type().toLowerCase(Locale.ROOT)) {
        case "openai" -> {
          if (u.baseUrl() == null || u.baseUrl().isBlank()) {
            throw new IllegalArgumentException(prefix + ".base-url must be set for type openai");
          }
          upstreams.add(
              new HttpUpstream(
                  name,
                  u.models(),
                  u.aliases(),
                  u.fallback(),
                  http,
                  json,
                  u.baseUrl(),
                  key(u, prefix, environment)));
        }
        case "anthropic" ->
            upstreams.add(
                new AnthropicUpstream(
                    name,
                    u.models(),
                    u.aliases(),
                    u.fallback(),
                    http,
                    json,
                    u.baseUrl() == null || u.baseUrl().isBlank()
                        ? AnthropicUpstream.DEFAULT_BASE_URL
                        : u.baseUrl(),
                    key(u, prefix, environment),
                    clock));
        case "echo" -> {
          echoConfigured |= name.equals(Upstreams.ECHO);
          upstreams.add(
              echo(name, u.models(), u.aliases(), u.fallback(), server, json, tokens, clock));
        }
        default ->
            throw new IllegalArgumentException(
                prefix + ".type must be openai, anthropic or echo, was '" + u.type() + "'");
      }
    }
    if (!echoConfigured && !settings.upstreams().containsKey(Upstreams.ECHO)) {
      upstreams.add(
          echo(
              Upstreams.ECHO,
              List.of(Upstreams.ECHO),
              Map.of(),
              null,
              server,
              json,
              tokens,
              clock));
    }
    return new Upstreams(upstreams);
  }

  /** The upstream's key from the environment variable it names; none when it names none. */
  private static UpstreamKey key(
      GatewaySettings.UpstreamSettings u, String prefix, Environment environment) {
    if (u.apiKeyEnv() == null || u.apiKeyEnv().isBlank()) {
      return UpstreamKey.NONE;
    }
    UpstreamKey key = UpstreamKey.of(environment.getProperty(u.apiKeyEnv().trim()));
    if (!key.isPresent()) {
      throw new IllegalArgumentException(
          prefix
              + ".api-key-env names '"
              + u.apiKeyEnv()
              + "', which is not set in the environment");
    }
    return key;
  }

  private static EchoUpstream echo(
      String name,
      List<String> models,
      Map<String, String> aliases,
      @org.jspecify.annotations.Nullable String fallback,
      ServerSettings server,
      JsonMapper json,
      TokenCounter tokens,
      Clock clock) {
    return new EchoUpstream(
        name,
        models.isEmpty() ? List.of(name) : models,
        aliases,
        fallback,
        json,
        tokens,
        server.model().echo().streamDelay(),
        clock);
  }

  @Bean
  GatewayService gatewayService(
      Upstreams upstreams,
      GatewaySettings settings,
      ObjectProvider<BudgetGuard> budgets,
      ObjectProvider<BudgetRepository> budgetRepository,
      ObjectProvider<BudgetEvaluator> budgetEvaluator,
      UsageTracker tracker,
      PriceCatalog prices,
      JsonMapper json,
      TokenCounter tokens,
      CallReservations reservations,
      Clock clock) {
    Admission admission =
        new Admission(
            reservations.enabled() ? noGuard() : budgets,
            new KeyBudgets(budgetRepository, budgetEvaluator, clock),
            new RateLimits(settings.limits(), clock));
    return new GatewayService(upstreams, admission, tracker, prices, json, tokens, clock)
        .reserving(reservations);
  }

  /** With fleet-wide reservations, the reservation is the budget check, not the ledger's guard. */
  private static ObjectProvider<BudgetGuard> noGuard() {
    return new ObjectProvider<>() {
      @Override
      public @org.jspecify.annotations.Nullable BudgetGuard getIfAvailable() {
        return null;
      }
    };
  }

  /**
   * The ledger's spend for budgets, the spend of key budgets ({@code key:<keyId>}) included; it
   * takes the place of the starter's default, which it asks for every other budget.
   */
  @Bean
  SpendSource keyAwareSpendSource(UsageQueries ledger, ApiKeys keys, GatewaySettings settings) {
    return new KeySpend(
        new QuerySpendSource(ledger),
        ledger,
        keys::owner,
        settings.keyBudgetRefresh(),
        System::nanoTime);
  }

  @Bean
  KeyBudgetAlerts keyBudgetAlerts(
      ObjectProvider<BudgetRepository> budgets,
      ObjectProvider<BudgetEvaluator> evaluator,
      GatewaySettings settings) {
    return new KeyBudgetAlerts(budgets, evaluator, settings.keyBudgetAlertInterval());
  }

  @Bean
  GatewayController gatewayController(GatewayService service, Upstreams upstreams) {
    return new GatewayController(service, upstreams);
  }

  @Bean
  GatewayUsageController gatewayUsageController(JdbcUsageStore store, Clock clock) {
    return new GatewayUsageController(new GatewayUsage(store), clock);
  }

  @Bean
  GatewayErrorAdvice gatewayErrorAdvice(JsonMapper json) {
    return new GatewayErrorAdvice(json);
  }

  /**
   * Leaves {@code /v1} out of Spring's {@code http.server.requests} observation: Tally records
   * every admitted gateway request itself (one event, with its latency), and the observation (a
   * timer and a long task timer, looked up by tags on every request) was about a tenth of the
   * gateway's CPU per request. Answers of 400 and above are counted in {@value
   * GatewayErrorCount#METRIC} instead, refusals included.
   */
  @Bean
  ObservationPredicate gatewayRequestsUnobserved() {
    return (name, context) ->
        !(context instanceof ServerRequestObservationContext server
            && server.getCarrier().getRequestURI().startsWith("/v1/"));
  }

  /** First of all filters on {@code /v1}, so it sees every status (the body limit's 413 too). */
  @Bean
  FilterRegistrationBean<GatewayErrorCount> gatewayErrorCount(MeterRegistry meters) {
    FilterRegistrationBean<GatewayErrorCount> registration =
        new FilterRegistrationBean<>(new GatewayErrorCount(meters));
    registration.setName("gatewayErrorCount");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    registration.addUrlPatterns("/v1/*");
    return registration;
  }

  @Bean
  FilterRegistrationBean<GatewayFilter> gatewayFilter(ApiKeys keys, JsonMapper json) {
    FilterRegistrationBean<GatewayFilter> registration =
        new FilterRegistrationBean<>(new GatewayFilter(keys, json));
    registration.setName("gatewayFilter");
    registration.setOrder(FILTER_ORDER);
    registration.addUrlPatterns("/v1/*");
    return registration;
  }
}
