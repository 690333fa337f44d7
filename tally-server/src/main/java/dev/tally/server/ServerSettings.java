package dev.tally.server;

import java.math.BigDecimal;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the reference server under {@code tally.server.*}. Tracking itself is configured
 * under {@code tally.*} by the starter; the price catalog path is the starter's {@code
 * tally.pricing.catalog}.
 *
 * @param adminKey the admin API key; defaults to the environment variable {@code TALLY_ADMIN_KEY}.
 *     When blank, a key is generated at the first start and printed once. When set it must be
 *     strong (at least 128 bits by the estimate in the server's README), or the start fails.
 * @param chat limits of the chat API
 * @param model which chat model answers
 * @param adminKeyFile where a generated admin key is written (owner-only, mode 600); blank for
 *     nowhere
 * @param metricsKey a bearer key that reads the actuator endpoints (Prometheus) and nothing else;
 *     defaults to {@code TALLY_METRICS_KEY}; as strong as the admin key when set
 * @param anonymous chat without an API key
 * @param keys API key bookkeeping
 */
@ConfigurationProperties("tally.server")
public record ServerSettings(
    @Nullable String adminKey,
    @DefaultValue Chat chat,
    @DefaultValue Model model,
    @DefaultValue(DEFAULT_ADMIN_KEY_FILE) String adminKeyFile,
    @Nullable String metricsKey,
    @DefaultValue Anonymous anonymous,
    @DefaultValue Keys keys) {

  /** Where a generated admin key is written, relative to the working directory. */
  public static final String DEFAULT_ADMIN_KEY_FILE = "data/admin-key";

  /** Whether callers without a key may chat: as configured, else only with the local echo model. */
  public boolean anonymousChatEnabled() {
    Boolean enabled = anonymous.enabled();
    return enabled != null ? enabled : "echo".equalsIgnoreCase(model.provider());
  }

  /**
   * @param enabled whether callers without an API key may chat; unset means yes with the local
   *     {@code echo} model and no with any provider that costs money
   */
  public record Anonymous(@Nullable Boolean enabled) {}

  /**
   * @param lastUsedInterval how often the keys' {@code lastUsedAt} is written: uses are collected
   *     in memory and written in one batch per interval, so a request never waits on a write
   * @param cacheTtl how long a key once looked up is used without asking the database again (a
   *     request then costs no query); a key revoked or expired is refused from the next request on
   *     this instance, one revoked on another instance sharing the database within this time; zero
   *     turns the cache off
   */
  public record Keys(
      @DefaultValue(DEFAULT_LAST_USED_INTERVAL) Duration lastUsedInterval,
      @DefaultValue(DEFAULT_CACHE_TTL) Duration cacheTtl) {
    public static final String DEFAULT_LAST_USED_INTERVAL = "1m";
    public static final String DEFAULT_CACHE_TTL = "5s";

    public Keys {
      if (lastUsedInterval.isNegative() || lastUsedInterval.isZero()) {
        throw new IllegalArgumentException(
            "tally.server.keys.last-used-interval must be > 0, was " + lastUsedInterval);
      }
      if (cacheTtl.isNegative()) {
        throw new IllegalArgumentException(
            "tally.server.keys.cache-ttl must be >= 0, was " + cacheTtl);
      }
    }
  }

  /**
   * @param maxMessageSize the largest message accepted (UTF-8 bytes); larger ones get 413
   * @param historyLimit messages kept per session; older ones are deleted
   * @param sessionTtl a session with no message for this long is deleted with its messages
   * @param sessionSweepInterval how often expired sessions are looked for and deleted
   */
  public record Chat(
      @DefaultValue("32KB") DataSize maxMessageSize,
      @DefaultValue("20") int historyLimit,
      @DefaultValue(DEFAULT_SESSION_TTL) Duration sessionTtl,
      @DefaultValue(DEFAULT_SESSION_SWEEP_INTERVAL) Duration sessionSweepInterval) {
    public static final String DEFAULT_SESSION_TTL = "30d";
    public static final String DEFAULT_SESSION_SWEEP_INTERVAL = "1h";

    public Chat {
      if (sessionTtl.isNegative() || sessionTtl.isZero()) {
        throw new IllegalArgumentException(
            "tally.server.chat.session-ttl must be > 0, was " + sessionTtl);
      }
      if (sessionSweepInterval.isNegative() || sessionSweepInterval.isZero()) {
        throw new IllegalArgumentException(
            "tally.server.chat.session-sweep-interval must be > 0, was " + sessionSweepInterval);
      }
      if (historyLimit < 2) {
        throw new IllegalArgumentException(
            "tally.server.chat.history-limit must be >= 2, was " + historyLimit);
      }
      if (maxMessageSize.toBytes() < 1) {
        throw new IllegalArgumentException(
            "tally.server.chat.max-message-size must be > 0, was " + maxMessageSize);
      }
    }
  }

  /**
   * @param provider {@code echo} (local, no key) or {@code openai} (any OpenAI-compatible API)
   * @param echo the echo model
   * @param openai the OpenAI-compatible provider
   */
  public record Model(
      @DefaultValue("echo") String provider,
      @DefaultValue Echo echo,
      @DefaultValue OpenAi openai) {}

  /**
   * @param name the model name the echo model reports
   * @param demoPrice a made-up price so that a new user sees costs
   * @param streamDelay the pause before each word of a streamed answer, so that a stream lasts long
   *     enough to be watched and interrupted
   */
  public record Echo(
      @DefaultValue("echo") String name,
      @DefaultValue DemoPrice demoPrice,
      @DefaultValue(DEFAULT_STREAM_DELAY) Duration streamDelay) {
    public static final String DEFAULT_STREAM_DELAY = "20ms";

    public Echo {
      if (streamDelay.isNegative()) {
        throw new IllegalArgumentException(
            "tally.server.model.echo.stream-delay must be >= 0, was " + streamDelay);
      }
    }
  }

  /**
   * @param enabled whether the echo model is priced (unless the catalog already prices it)
   * @param inputPerMillion price per million input tokens
   * @param outputPerMillion price per million output tokens
   * @param currency ISO 4217 code
   */
  public record DemoPrice(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("1.00") BigDecimal inputPerMillion,
      @DefaultValue("2.00") BigDecimal outputPerMillion,
      @DefaultValue("USD") String currency) {}

  /**
   * @param baseUrl the API base, for example {@code https://api.openai.com/v1} or Ollama's {@code
   *     http://localhost:11434/v1}
   * @param apiKey sent as a bearer token when set
   * @param model the model requested
   * @param provider the provider name recorded on usage events
   * @param timeout longest wait for a whole response; slower calls fail with 504
   * @param connectTimeout longest wait for a connection
   */
  public record OpenAi(
      @DefaultValue("https://api.openai.com/v1") String baseUrl,
      @Nullable String apiKey,
      @DefaultValue("gpt-4o-mini") String model,
      @DefaultValue("openai") String provider,
      @DefaultValue("60s") Duration timeout,
      @DefaultValue("10s") Duration connectTimeout) {}
}
