package dev.tally.server.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the gateway under {@code tally.server.gateway.*}.
 *
 * @param enabled whether {@code /v1} is served at all
 * @param upstreams the upstreams by name; the built-in {@value Upstreams#ECHO} upstream is always
 *     there (its model is {@code echo}), unless an upstream of that name is configured
 * @param timeout longest wait for an upstream's answer, and in a stream for its next bytes; a
 *     slower one is a 504 (or a fallback) before the answer began, a broken stream after
 * @param connectTimeout longest wait to connect to an upstream
 * @param limits requests and tokens per minute, per key and per user
 * @param keyBudgetRefresh longest time a key budget's spend, read from the ledger's raw events, is
 *     served from memory ({@code 0s}: read on every request)
 * @param keyBudgetAlertInterval how often the alert thresholds of key budgets are evaluated
 * @param validateAfterIdle a pooled upstream connection idle for longer is checked before it is
 *     used again (the check waits 1 ms for the upstream's close on the request's thread); {@code
 *     0s}: never checked, a request that meets a connection the upstream closed is sent once more
 */
@ConfigurationProperties("tally.server.gateway")
public record GatewaySettings(
    @DefaultValue("true") boolean enabled,
    @DefaultValue Map<String, UpstreamSettings> upstreams,
    @DefaultValue(DEFAULT_TIMEOUT) Duration timeout,
    @DefaultValue(DEFAULT_CONNECT_TIMEOUT) Duration connectTimeout,
    @DefaultValue Limits limits,
    @DefaultValue(DEFAULT_KEY_BUDGET_REFRESH) Duration keyBudgetRefresh,
    @DefaultValue(DEFAULT_KEY_BUDGET_ALERT_INTERVAL) Duration keyBudgetAlertInterval,
    @DefaultValue(DEFAULT_VALIDATE_AFTER_IDLE) Duration validateAfterIdle) {

  public static final String DEFAULT_TIMEOUT = "60s";
  public static final String DEFAULT_CONNECT_TIMEOUT = "10s";
  public static final String DEFAULT_KEY_BUDGET_REFRESH = "1s";
  public static final String DEFAULT_KEY_BUDGET_ALERT_INTERVAL = "10s";
  public static final String DEFAULT_VALIDATE_AFTER_IDLE = "0s";

  public GatewaySettings {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "tally.server.gateway.timeout must be > 0, was " + timeout);
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException(
          "tally.server.gateway.connect-timeout must be > 0, was " + connectTimeout);
    }
    if (keyBudgetRefresh.isNegative()) {
      throw new IllegalArgumentException(
          "tally.server.gateway.key-budget-refresh must be >= 0, was " + keyBudgetRefresh);
    }
    if (keyBudgetAlertInterval.isNegative() || keyBudgetAlertInterval.isZero()) {
      throw new IllegalArgumentException(
          "tally.server.gateway.key-budget-alert-interval must be > 0, was "
              + keyBudgetAlertInterval);
    }
    if (validateAfterIdle.isNegative()) {
      throw new IllegalArgumentException(
          "tally.server.gateway.validate-after-idle must be >= 0, was " + validateAfterIdle);
    }
  }

  /**
   * One upstream.
   *
   * @param type {@code openai} (any OpenAI-compatible API), {@code anthropic} (Anthropic's Messages
   *     API, translated to and from OpenAI's chat completions) or {@code echo} (the local echo
   *     model)
   * @param baseUrl its base URL, ending {@code /v1} for OpenAI itself; required for {@code openai};
   *     {@code https://api.anthropic.com/v1} by default for {@code anthropic}
   * @param apiKeyEnv the name of the environment variable holding its API key (sent as a bearer
   *     token, or as {@code x-api-key} to Anthropic); the key itself is never configured in a file,
   *     logged, recorded or answered
   * @param models the model names it serves; a name ending {@code *} matches by prefix
   * @param aliases model names clients may use for it, each mapped to one of its models
   * @param fallback the upstream tried once when this one cannot be reached, times out or answers
   *     5xx (before anything was sent to the client)
   */
  public record UpstreamSettings(
      @DefaultValue("openai") String type,
      @Nullable String baseUrl,
      @Nullable String apiKeyEnv,
      @DefaultValue List<String> models,
      @DefaultValue Map<String, String> aliases,
      @Nullable String fallback) {}

  /**
   * Requests and tokens per minute; 0 means no limit.
   *
   * @param key for each API key
   * @param user for each user, over all their keys
   */
  public record Limits(@DefaultValue Limit key, @DefaultValue Limit user) {}

  /**
   * @param rpm requests per minute, 0 for no limit
   * @param tpm tokens per minute (input + output as the upstream reports them), 0 for no limit
   */
  public record Limit(@DefaultValue("0") long rpm, @DefaultValue("0") long tpm) {
    public Limit {
      if (rpm < 0) {
        throw new IllegalArgumentException("rpm must be >= 0, was " + rpm);
      }
      if (tpm < 0) {
        throw new IllegalArgumentException("tpm must be >= 0, was " + tpm);
      }
    }
  }
}
