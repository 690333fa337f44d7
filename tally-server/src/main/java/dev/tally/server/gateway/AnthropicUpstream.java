package dev.tally.server.gateway;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's Messages API ({@code POST <base-url>/messages}, key in {@code x-api-key}, {@code
 * anthropic-version} {@value #VERSION}) behind OpenAI's chat completions, plain and streamed,
 * through {@link AnthropicTranslation} and {@link AnthropicStream}. It has no embeddings.
 */
final class AnthropicUpstream extends Upstream {
  /** The API version sent with every request. */
  static final String VERSION = "2023-06-01";

  /** Anthropic's API, when no base URL is configured. */
  static final String DEFAULT_BASE_URL = "https://api.anthropic.com/v1";

  private final HttpClient http;
  private final JsonMapper json;
  private final String base;
  private final UpstreamKey key;
  private final Duration timeout;
  private final Clock clock;

  AnthropicUpstream(
      String name,
      List<String> models,
      Map<String, String> aliases,
      @Nullable String fallback,
      HttpClient http,
      JsonMapper json,
      String baseUrl,
      UpstreamKey key,
      Duration timeout,
      Clock clock) {
    super(name, models, aliases, fallback);
    this.http = http;
    this.json = json;
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.key = key;
    this.timeout = timeout;
    this.clock = clock;
  }

  @Override
  String provider() {
    return "anthropic";
  }

  @Override
  String scrub(String text) {
    return key.scrub(text);
  }

  @Override
  void accepts(String path, ObjectNode request) {
    if (!path.equals("/chat/completions")) {
      throw new GatewayException(
          HttpStatus.BAD_REQUEST,
          "The model `"
              + GatewayService.excerpt(request.path("model").asString(""))
              + "` is served by Anthropic's Messages API, which has no "
              + path.substring(1)
              + ".",
          "invalid_request_error",
          "unsupported_model");
    }
    try {
      AnthropicTranslation.request(json, request, false);
    } catch (AnthropicTranslation.Untranslatable e) {
      throw GatewayException.badRequest(e.getMessage());
    }
  }

  @Override
  Answer call(String path, ObjectNode request) {
    ObjectNode body;
    try {
      if (!path.equals("/chat/completions")) {
        throw new AnthropicTranslation.Untranslatable(
            "Anthropic's Messages API has no " + path.substring(1));
      }
      body = AnthropicTranslation.request(json, request, false);
    } catch (AnthropicTranslation.Untranslatable e) {
      return new Answer(400, refusal(e.getMessage()).getBytes(StandardCharsets.UTF_8));
    }
    HttpResponse<byte[]> response =
        UpstreamHttp.send(
            http,
            request(body, "application/json"),
            HttpResponse.BodyHandlers.ofByteArray(),
            this,
            timeout);
    JsonNode root;
    try {
      root = json.readTree(response.body());
    } catch (JacksonException e) {
      return new Answer(response.statusCode(), response.body()); // the gateway says it is not JSON
    }
    if (response.statusCode() / 100 == 2) {
      return new Answer(
          response.statusCode(),
          json.writeValueAsBytes(AnthropicTranslation.response(json, root, clock)));
    }
    ObjectNode error = AnthropicTranslation.error(json, root);
    return new Answer(
        response.statusCode(), error == null ? response.body() : json.writeValueAsBytes(error));
  }

  @Override
  Stream stream(ObjectNode request) {
    ObjectNode body;
    try {
      body = AnthropicTranslation.request(json, request, true);
    } catch (AnthropicTranslation.Untranslatable e) {
      return AnthropicStream.refused(refusal(e.getMessage()));
    }
    HttpResponse<InputStream> response =
        UpstreamHttp.send(
            http,
            request(body, "text/event-stream"),
            HttpResponse.BodyHandlers.ofInputStream(),
            this,
            timeout);
    return new AnthropicStream(
        new UpstreamHttp.LineStream(response.statusCode(), response.body()), json, clock);
  }

  private String refusal(String message) {
    ObjectNode error = json.createObjectNode();
    error
        .putObject("error")
        .put("message", message)
        .put("type", "invalid_request_error")
        .putNull("param")
        .putNull("code");
    return json.writeValueAsString(error);
  }

  private HttpRequest request(ObjectNode body, String accept) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + "/messages"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", accept)
            .header("anthropic-version", VERSION)
            .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
    String secret = key.secret();
    if (secret != null) {
      request.header("x-api-key", secret);
    }
    return request.build();
  }
}
