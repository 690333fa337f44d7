package dev.tally.server.model;

import dev.tally.core.TokenEstimator;
import dev.tally.llm.JtokkitTokenEstimator;
import dev.tally.server.ServerSettings;
import java.util.Locale;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Picks the chat model from {@code tally.server.model.provider}: {@code echo} or {@code openai}.
 */
@Configuration(proxyBeanMethods = false)
class ChatModelConfiguration {

  @Bean
  TokenCounter tokenCounter() {
    return new TokenCounter();
  }

  /**
   * Counts the prompt and delivered text of streams that end without the provider's usage; the
   * starter hands it to the tracker.
   */
  @Bean
  TokenEstimator tokenEstimator() {
    return JtokkitTokenEstimator.create();
  }

  @Bean
  ChatModel chatModel(ServerSettings settings, TokenCounter tokens, JsonMapper json) {
    ServerSettings.Model model = settings.model();
    return switch (model.provider().toLowerCase(Locale.ROOT)) {
      case "echo" -> new EchoChatModel(model.echo().name(), tokens, model.echo().streamDelay());
      case "openai" -> {
        ServerSettings.OpenAi openai = model.openai();
        yield new OpenAiCompatibleChatModel(
            OpenAiCompatibleChatModel.httpClient(openai.connectTimeout()),
            json,
            tokens,
            openai.baseUrl(),
            openai.apiKey(),
            openai.model(),
            openai.provider(),
            openai.timeout());
      }
      default ->
          throw new IllegalArgumentException(
              "tally.server.model.provider must be echo or openai, was '" + model.provider() + "'");
    };
  }
}
