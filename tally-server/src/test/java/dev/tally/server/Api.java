package dev.tally.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the server under test: JSON in, JSON out, optional API key. */
public final class Api {
  /** The admin key every server test configures: random, as the strength rule requires. */
  public static final String ADMIN_KEY =
      "ba1c2457d5685c86afd6b0b0c3a320df1736fa7de18a7c86ad07140ada1c5133";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final JsonMapper json = JsonMapper.builder().build();
  private final String base;

  public Api(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A response; {@code json} is null when the body is not JSON. */
  public record Response(
      int status,
      String contentType,
      String body,
      @Nullable JsonNode json,
      java.net.http.HttpHeaders headers) {
    public JsonNode json() {
      if (json == null) {
        throw new AssertionError("not JSON (" + status + " " + contentType + "): " + body);
      }
      return json;
    }
  }

  public Response get(String path, @Nullable String key) {
    return send(request(path, key).GET());
  }

  /** A GET with a raw {@code Authorization} header, for schemes other than Bearer. */
  public Response getWithAuthorization(String path, String authorization) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", authorization)
            .GET());
  }

  public Response post(String path, @Nullable String key, Object body) {
    String text = body instanceof String s ? s : json.writeValueAsString(body);
    return send(
        request(path, key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(text)));
  }

  public Response post(String path, @Nullable String key) {
    return send(request(path, key).POST(HttpRequest.BodyPublishers.noBody()));
  }

  public Response put(String path, @Nullable String key, Object body) {
    String text = body instanceof String s ? s : json.writeValueAsString(body);
    return send(
        request(path, key)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(text)));
  }

  public Response delete(String path, @Nullable String key) {
    return send(request(path, key).DELETE());
  }

  public Response chat(@Nullable String key, String message) {
    return post("/api/chat", key, Map.of("message", message));
  }

  /** Creates a user and returns a fresh API key for it. */
  public String newUser(String id) {
    Response created =
        post("/api/admin/users", ADMIN_KEY, Map.of("id", id, "email", id + "@example.com"));
    if (created.status() != 201) {
      throw new AssertionError("creating user " + id + ": " + created.body());
    }
    Response key = post("/api/admin/users/" + id + "/keys", ADMIN_KEY);
    if (key.status() != 201) {
      throw new AssertionError("creating key for " + id + ": " + key.body());
    }
    return key.json().path("key").asString();
  }

  private HttpRequest.Builder request(String path, @Nullable String key) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String type = r.headers().firstValue("Content-Type").orElse("");
      JsonNode body = type.contains("json") ? json.readTree(r.body()) : null;
      return new Response(r.statusCode(), type, r.body(), body, r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
