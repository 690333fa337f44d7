package dev.tally.server.gateway;

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
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** An OpenAI-compatible API over HTTP/1.1 (OpenAI, vLLM, Ollama, LiteLLM, ...). */
final class HttpUpstream extends Upstream {
  /** The most of an error body read from a failed stream. */
  static final int MAX_ERROR_BODY = 64 * 1024;

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
        send(request(path, request, "application/json"), HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(response.statusCode(), response.body());
  }

  @Override
  Stream stream(ObjectNode request) {
    HttpResponse<InputStream> response =
        send(
            request("/chat/completions", request, "text/event-stream"),
            HttpResponse.BodyHandlers.ofInputStream());
    return new LineStream(response.statusCode(), response.body());
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

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(request, body);
    } catch (HttpTimeoutException e) {
      throw new UpstreamFailure(
          UpstreamFailure.Kind.TIMEOUT,
          "upstream '" + name() + "' did not answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new UpstreamFailure(
          UpstreamFailure.Kind.CONNECT,
          "upstream '"
              + name()
              + "' could not be reached: "
              + scrub(String.valueOf(e.getMessage())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamFailure(
          UpstreamFailure.Kind.CONNECT, "interrupted while waiting for upstream '" + name() + "'");
    }
  }

  /** The body of a streamed answer, line by line; closing it cancels the upstream exchange. */
  private static final class LineStream implements Stream {
    private final int status;
    private final InputStream body;
    private final BufferedReader lines;

    LineStream(int status, InputStream body) {
      this.status = status;
      this.body = body;
      this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    @Override
    public int status() {
      return status;
    }

    @Override
    public @Nullable String nextLine() throws IOException {
      return lines.readLine();
    }

    @Override
    public String errorBody() throws IOException {
      char[] head = new char[MAX_ERROR_BODY];
      int total = 0;
      int n;
      while (total < head.length && (n = lines.read(head, total, head.length - total)) > 0) {
        total += n;
      }
      return new String(head, 0, total);
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // closing is how we cancel; nothing else to do
      }
    }
  }
}
