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
 *     When blank, a key is generated at the first start and printed once.
 * @param chat limits of the chat API
 * @param model which chat model answers
 */
@ConfigurationProperties("tally.server")
public record ServerSettings(
    @Nullable String adminKey, @DefaultValue Chat chat, @DefaultValue Model model) {

  /**
   * @param maxMessageSize the largest message accepted (UTF-8 bytes); larger ones get 413
   * @param historyLimit messages kept per session; older ones are deleted
   */
  public record Chat(
      @DefaultValue("32KB") DataSize maxMessageSize, @DefaultValue("20") int historyLimit) {
    public Chat {
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
   */
  public record Echo(@DefaultValue("echo") String name, @DefaultValue DemoPrice demoPrice) {}

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
