package dev.tally.server.model;

import dev.tally.core.TokenUsage;
import dev.tally.core.UsageSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A chat model behind an OpenAI-compatible {@code /chat/completions} API (OpenAI, Ollama, vLLM,
 * ...). Token usage is read from the response, including {@code
 * prompt_tokens_details.cached_tokens} and {@code completion_tokens_details.reasoning_tokens}, and
 * mapped to disjoint categories with {@link TokenUsage#fromInclusive}. A response without usage is
 * counted locally and marked {@code ESTIMATED}, never zero.
 *
 * <p>A non-2xx answer, an unreadable body or a connection failure throws {@link
 * ChatModelException}; no answer within the timeout throws {@link ChatModelTimeoutException}.
 */
public final class OpenAiCompatibleChatModel implements ChatModel {
  private static final int MAX_ERROR_BODY = 300;

  private final HttpClient http;
  private final JsonMapper json;
  private final TokenCounter tokens;
  private final URI endpoint;
  private final @Nullable String apiKey;
  private final String model;
  private final String provider;
  private final Duration timeout;

  public OpenAiCompatibleChatModel(
      HttpClient http,
      JsonMapper json,
      TokenCounter tokens,
      String baseUrl,
      @Nullable String apiKey,
      String model,
      String provider,
      Duration timeout) {
    this.http = http;
    this.json = json;
    this.tokens = tokens;
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.endpoint = URI.create(base + "/chat/completions");
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    this.model = model;
    this.provider = provider;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return model;
  }

  @Override
  public String provider() {
    return provider;
  }

  @Override
  public ChatCompletion complete(List<ChatMessage> messages) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(requestBody(messages)));
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new ChatModelTimeoutException(
          "model provider did not answer within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new ChatModelException("model provider could not be reached: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChatModelException("interrupted while waiting for the model provider", e);
    }
    if (response.statusCode() / 100 != 2) {
      throw new ChatModelException(
          "model provider answered HTTP "
              + response.statusCode()
              + ": "
              + excerpt(response.body()));
    }
    return parse(response.body(), messages);
  }

  private String requestBody(List<ChatMessage> messages) {
    List<Map<String, String>> wire = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      wire.add(Map.of("role", m.role(), "content", m.content()));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("messages", wire);
    return json.writeValueAsString(body);
  }

  private ChatCompletion parse(String body, List<ChatMessage> messages) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JacksonException e) {
      throw new ChatModelException("model provider answered with invalid JSON", e);
    }
    JsonNode content = root.path("choices").path(0).path("message").path("content");
    if (!content.isString()) {
      throw new ChatModelException("model provider answered without choices[0].message.content");
    }
    String text = content.asString();
    String answeredBy = root.path("model").isString() ? root.path("model").asString() : model;
    return new ChatCompletion(text, answeredBy, usage(root.path("usage"), messages, text));
  }

  private TokenUsage usage(JsonNode usage, List<ChatMessage> messages, String text) {
    if (!usage.path("prompt_tokens").isNumber() || !usage.path("completion_tokens").isNumber()) {
      return TokenUsage.estimated(tokens.countPrompt(messages), tokens.count(text));
    }
    long prompt = usage.path("prompt_tokens").asLong();
    long completion = usage.path("completion_tokens").asLong();
    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
    // A provider that reports a part larger than its total is wrong about the part, not the total.
    return TokenUsage.fromInclusive(
        prompt,
        Math.min(Math.max(cached, 0), prompt),
        completion,
        Math.min(Math.max(reasoning, 0), completion),
        UsageSource.REPORTED);
  }

  private static String excerpt(String body) {
    String flat = body.replaceAll("\\s+", " ").trim();
    return flat.length() > MAX_ERROR_BODY ? flat.substring(0, MAX_ERROR_BODY) + "..." : flat;
  }

  /**
   * An HTTP client for providers: HTTP/1.1 (local servers rarely speak h2c) and a connect timeout.
   */
  public static HttpClient httpClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .build();
  }
}
