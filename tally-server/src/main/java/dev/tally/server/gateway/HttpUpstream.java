package dev.tally.server.gateway;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** An OpenAI-compatible API over HTTP/1.1 (OpenAI, vLLM, Ollama, LiteLLM, ...). */
final class HttpUpstream extends Upstream {
  private final UpstreamHttp http;
  private final JsonMapper json;
  private final String base;
  private final UpstreamKey key;

  HttpUpstream(
      String name,
      List<String> models,
      Map<String, String> aliases,
      @Nullable String fallback,
      UpstreamHttp http,
      JsonMapper json,
      String baseUrl,
      UpstreamKey key) {
    super(name, models, aliases, fallback);
    this.http = http;
    this.json = json;
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.key = key;
  }

  @Override
  String provider() {
    return "openai-compatible";
  }

  @Override
  String scrub(String text) {
    return key.scrub(text);
  }

  @Override
  Answer call(String path, ObjectNode request) {
    return http.call(
        URI.create(base + path),
        json.writeValueAsBytes(request),
        this,
        headers("application/json"));
  }

  @Override
  Stream stream(ObjectNode request) {
    return http.stream(
        URI.create(base + "/chat/completions"),
        json.writeValueAsBytes(request),
        this,
        headers("text/event-stream"));
  }

  private String[] headers(String accept) {
    String bearer = key.bearer();
    return bearer == null
        ? new String[] {"Content-Type", "application/json", "Accept", accept}
        : new String[] {
          "Content-Type", "application/json", "Accept", accept, "Authorization", bearer
        };
  }
}
