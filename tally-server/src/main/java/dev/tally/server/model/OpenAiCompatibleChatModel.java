package dev.tally.server.model;

import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import dev.tally.llm.OpenAiChatStreamAdapter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * <p>A stream ({@link #stream}) always asks for {@code stream_options.include_usage}, so the
 * provider's last chunk carries the usage ({@code REPORTED}, with cached and reasoning tokens);
 * without that chunk (a provider that ignores the option, a cut stream) the stream estimates the
 * prompt plus the delivered output. When the receiver of the deltas gives up, the upstream response
 * body is closed, which cancels the upstream call.
 *
 * <p>A non-2xx answer, an unreadable body or a connection failure throws {@link
 * ChatModelException}; no answer within the timeout throws {@link ChatModelTimeoutException}.
 */
public final class OpenAiCompatibleChatModel implements ChatModel {
  private static final int MAX_ERROR_BODY = 300;

  /** The model a chunk names; the adapter records it on the stream, this is for the client. */
  private static final Pattern MODEL =
      Pattern.compile("^data:\\s*\\{.*?\"model\"\\s*:\\s*\"([^\"]{1,200})\"");

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
    HttpResponse<String> response =
        send(request(messages, false, "application/json"), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new ChatModelException(
          "model provider answered HTTP "
              + response.statusCode()
              + ": "
              + excerpt(response.body()));
    }
    return parse(response.body(), messages);
  }

  @Override
  public String stream(List<ChatMessage> messages, UsageStream usage, ChatDeltas deltas) {
    usage.model(model);
    HttpResponse<InputStream> response =
        send(
            request(messages, true, "text/event-stream"),
            HttpResponse.BodyHandlers.ofInputStream());
    // Closing the body (on every way out, including a receiver that gives up) cancels the call.
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() / 100 != 2) {
        char[] head = new char[MAX_ERROR_BODY];
        int n = lines.read(head);
        throw new ChatModelException(
            "model provider answered HTTP "
                + response.statusCode()
                + ": "
                + excerpt(n <= 0 ? "" : new String(head, 0, n)));
      }
      OpenAiChatStreamAdapter adapter = new OpenAiChatStreamAdapter(usage);
      @Nullable String answeredBy = null;
      String line;
      while (!adapter.isDone() && adapter.error() == null && (line = lines.readLine()) != null) {
        if (answeredBy == null) {
          Matcher m = MODEL.matcher(line);
          answeredBy = m.find() ? m.group(1) : null;
        }
        relay(adapter.line(line), deltas);
      }
      relay(adapter.end(), deltas);
      if (adapter.error() != null) {
        throw new ChatModelException(
            "model provider failed during the stream: " + adapter.error().message());
      }
      if (!adapter.isDone()) {
        throw new ChatModelException("model provider ended the stream before [DONE]");
      }
      return answeredBy == null ? model : answeredBy;
    } catch (IOException e) {
      throw new ChatModelException("model provider stream broke: " + e.getMessage(), e);
    }
  }

  private static void relay(@Nullable String text, ChatDeltas deltas) {
    if (text != null && !text.isEmpty()) {
      deltas.delta(text);
    }
  }

  private HttpRequest request(List<ChatMessage> messages, boolean stream, String accept) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", accept)
            .POST(HttpRequest.BodyPublishers.ofString(requestBody(messages, stream)));
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    return request.build();
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(request, body);
    } catch (HttpTimeoutException e) {
      throw new ChatModelTimeoutException(
          "model provider did not answer within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new ChatModelException("model provider could not be reached: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChatModelException("interrupted while waiting for the model provider", e);
    }
  }

  private String requestBody(List<ChatMessage> messages, boolean stream) {
    List<Map<String, String>> wire = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      wire.add(Map.of("role", m.role(), "content", m.content()));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("messages", wire);
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
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
