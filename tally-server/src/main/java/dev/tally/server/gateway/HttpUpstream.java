package dev.tally.server.gateway;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** An OpenAI-compatible API over HTTP/1.1 (OpenAI, vLLM, Ollama, LiteLLM, ...). */
final class HttpUpstream extends Upstream {
  private final HttpClient http;
  private final JsonMapper json;
  private final String base;
  private final UpstreamKey key;
  private final Duration timeout;

  HttpUpstream(
      String name,
      List<String> models,
      Map<String, String> aliases,
      @Nullable String fallback,
      HttpClient http,
      JsonMapper json,
      String baseUrl,
      UpstreamKey key,
      Duration timeout) {
    super(name, models, aliases, fallback);
    this.http = http;
    this.json = json;
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.key = key;
    this.timeout = timeout;
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
    HttpResponse<byte[]> response =
        UpstreamHttp.send(
            http,
            request(path, request, "application/json"),
            HttpResponse.BodyHandlers.ofByteArray(),
            this,
            timeout);
    return new Answer(response.statusCode(), response.body());
  }

  @Override
  Stream stream(ObjectNode request) {
    HttpResponse<InputStream> response =
        UpstreamHttp.send(
            http,
            request("/chat/completions", request, "text/event-stream"),
            HttpResponse.BodyHandlers.ofInputStream(),
            this,
            timeout);
    return new UpstreamHttp.LineStream(response.statusCode(), response.body());
  }

  private HttpRequest request(String path, ObjectNode body, String accept) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", accept)
            .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
    String bearer = key.bearer();
    if (bearer != null) {
      request.header("Authorization", bearer);
    }
    return request.build();
  }
}
