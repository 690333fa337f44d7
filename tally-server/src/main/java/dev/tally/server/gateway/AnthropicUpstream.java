package dev.tally.server.gateway;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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

  private final UpstreamHttp http;
  private final JsonMapper json;
  private final URI messages;
  private final UpstreamKey key;
  private final Clock clock;

  AnthropicUpstream(
      String name,
      List<String> models,
      Map<String, String> aliases,
      @Nullable String fallback,
      UpstreamHttp http,
      JsonMapper json,
      String baseUrl,
      UpstreamKey key,
      Clock clock) {
    super(name, models, aliases, fallback);
    this.http = http;
    this.json = json;
    this.messages =
        URI.create(
            (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl)
                + "/messages");
    this.key = key;
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
    Answer response =
        http.call(messages, json.writeValueAsBytes(body), this, headers("application/json"));
    JsonNode root;
    try {
      root = json.readTree(response.body());
    } catch (JacksonException e) {
      return new Answer(response.status(), response.body()); // the gateway says it is not JSON
    }
    if (response.status() / 100 == 2) {
      return new Answer(
          response.status(),
          json.writeValueAsBytes(AnthropicTranslation.response(json, root, clock)));
    }
    ObjectNode error = AnthropicTranslation.error(json, root);
    return new Answer(
        response.status(), error == null ? response.body() : json.writeValueAsBytes(error));
  }

  @Override
  Stream stream(ObjectNode request) {
    ObjectNode body;
    try {
      body = AnthropicTranslation.request(json, request, true);
    } catch (AnthropicTranslation.Untranslatable e) {
      return AnthropicStream.refused(refusal(e.getMessage()));
    }
    return new AnthropicStream(
        http.stream(messages, json.writeValueAsBytes(body), this, headers("text/event-stream")),
        json,
        clock);
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

  private String[] headers(String accept) {
    String secret = key.secret();
    return secret == null
        ? new String[] {
          "Content-Type", "application/json", "Accept", accept, "anthropic-version", VERSION
        }
        : new String[] {
          "Content-Type",
          "application/json",
          "Accept",
          accept,
          "anthropic-version",
          VERSION,
          "x-api-key",
          secret
        };
  }
}
