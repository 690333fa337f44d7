package dev.tally.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends bad input to every operation of the OpenAPI document: bad path values, bad values of each
 * query parameter, and bodies that are empty, not JSON, of the wrong type field by field, too large
 * (declared and chunked), with NUL characters and huge numbers. Every 4xx or 5xx must be a problem
 * JSON naming no Java internals, and none may be a 5xx.
 */
final class BadInputSweep {
  static final List<String> PATH_VALUES =
      List.of("x", "-1", "99999999999999999999", "a".repeat(300), "%00", "%2F", "..", "%C3%28");

  static final List<String> QUERY_VALUES =
      List.of("abc", "", "-1", "99999999999999999999", "%00", "%C3%28", "a".repeat(3000));

  static final String HUGE_NUMBER = "1" + "0".repeat(2000);

  static final List<String> BODIES =
      List.of(
          "",
          "null",
          "[]",
          "\"text\"",
          "42",
          "{",
          "{\"a\":",
          "not json",
          "{}",
          "{\"\\u0000\": 1}",
          "[".repeat(5000),
          "{\"x\": " + HUGE_NUMBER + "}");

  private final int port;
  private final List<Operation> operations = new ArrayList<>();
  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** One method of one path, with its parameters and the properties of its JSON body. */
  record Operation(
      String method,
      String path,
      List<String> pathParams,
      List<String> queryParams,
      @Nullable Map<String, String> bodyProperties) {}

  BadInputSweep(int port, JsonNode openApi) {
    this.port = port;
    JsonNode schemas = openApi.path("components").path("schemas");
    for (Map.Entry<String, JsonNode> path : openApi.path("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        List<String> inPath = new ArrayList<>();
        List<String> inQuery = new ArrayList<>();
        op.getValue()
            .path("parameters")
            .forEach(
                p ->
                    (p.path("in").asString().equals("path") ? inPath : inQuery)
                        .add(p.path("name").asString()));
        JsonNode body = op.getValue().path("requestBody").path("content").path("application/json");
        operations.add(
            new Operation(
                op.getKey().toUpperCase(Locale.ROOT),
                path.getKey(),
                inPath,
                inQuery,
                body.isMissingNode() ? null : properties(body.path("schema"), schemas)));
      }
    }
  }

  int operations() {
    return operations.size();
  }

  /** Runs every case with {@code key} (null: anonymous); adds what went wrong to failures. */
  int run(@Nullable String key, List<String> failures) {
    int sent = 0;
    for (Operation op : operations) {
      for (String value : PATH_VALUES) {
        sent += check(key, op.method(), path(op, value), null, null, failures);
      }
      String base = path(op, "x");
      for (String param : op.queryParams()) {
        for (String value : QUERY_VALUES) {
          sent += check(key, op.method(), base + "?" + param + "=" + value, null, null, failures);
        }
      }
      boolean takesBody = op.bodyProperties() != null || !op.method().equals("GET");
      if (!takesBody || op.method().equals("DELETE")) {
        continue;
      }
      List<String> bodies = new ArrayList<>(BODIES);
      if (op.bodyProperties() != null) {
        op.bodyProperties().forEach((name, type) -> bodies.addAll(wrongValues(name, type)));
      }
      bodies.add("{\"message\": \"" + "y".repeat(300 * 1024) + "\"}");
      for (String body : bodies) {
        sent += check(key, op.method(), base, body, "application/json", failures);
      }
      sent += check(key, op.method(), base, "{}", "text/plain", failures);
      sent += checkChunked(key, op.method(), base, failures);
    }
    return sent;
  }

  private static String path(Operation op, String value) {
    String path = op.path();
    for (String name : op.pathParams()) {
      path = path.replace("{" + name + "}", value);
    }
    return path;
  }

  /** Values of the wrong JSON type for a property, a NUL in a string, huge numbers. */
  private static List<String> wrongValues(String name, String type) {
    List<String> values =
        switch (type) {
          case "string" -> List.of("123", "true", "[\"a\"]", "{}", "\"a\\u0000b\"", "\"\"");
          case "integer", "number" ->
              List.of("\"abc\"", "1.5", "99999999999999999999999", HUGE_NUMBER, "-1", "1e400");
          case "array" -> List.of("\"x\"", "[{}]", "[\"a\", 99999999999999999999999]", "{}");
          case "boolean" -> List.of("\"yes\"", "1");
          default -> List.of("5", "\"x\"", "[]", "{\"url\": 5, \"secret\": []}");
        };
    return values.stream().map(v -> "{\"" + name + "\": " + v + "}").toList();
  }

  private static Map<String, String> properties(JsonNode schema, JsonNode schemas) {
    JsonNode resolved = schema;
    if (schema.has("$ref")) {
      String ref = schema.path("$ref").asString();
      resolved = schemas.path(ref.substring(ref.lastIndexOf('/') + 1));
    }
    Map<String, String> properties = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> p : resolved.path("properties").properties()) {
      properties.put(p.getKey(), p.getValue().path("type").asString("object"));
    }
    return properties;
  }

  private int check(
      @Nullable String key,
      String method,
      String target,
      @Nullable String body,
      @Nullable String contentType,
      List<String> failures) {
    HttpRequest.Builder request = request(key, target);
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    String what = method + " " + cut(target) + (body == null ? "" : " " + cut(body));
    verify(key, what, request, failures);
    return 1;
  }

  private int checkChunked(
      @Nullable String key, String method, String target, List<String> failures) {
    byte[] big =
        ("{\"message\": \"" + "z".repeat(400 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder request =
        request(key, target)
            .header("Content-Type", "application/json")
            .method(
                method,
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
    verify(key, method + " " + cut(target) + " chunked 400 KB", request, failures);
    return 1;
  }

  private HttpRequest.Builder request(@Nullable String key, String target) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
            .timeout(Duration.ofSeconds(30));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return request;
  }

  private void verify(
      @Nullable String key, String what, HttpRequest.Builder request, List<String> failures) {
    String who = key == null ? "anonymous" : key.equals(Api.ADMIN_KEY) ? "admin" : "user";
    HttpResponse<String> r;
    try {
      r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      failures.add(who + " " + what + ": no response (" + e + ")");
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    int status = r.statusCode();
    if (status >= 500) {
      failures.add(who + " " + what + ": " + status + " " + cut(r.body()));
    }
    if (status < 400) {
      return;
    }
    String type = r.headers().firstValue("Content-Type").orElse("");
    if (!type.startsWith("application/problem+json")) {
      failures.add(who + " " + what + ": " + status + " as " + type + ": " + cut(r.body()));
      return;
    }
    if (HardeningServerTest.JAVA_NAME.matcher(r.body()).find()) {
      failures.add(who + " " + what + ": names Java internals: " + cut(r.body()));
    }
    try {
      JsonNode problem = json.readTree(r.body());
      if (problem.path("status").asInt() != status
          || problem.path("detail").asString("").isBlank()) {
        failures.add(who + " " + what + ": incomplete problem: " + cut(r.body()));
      }
    } catch (RuntimeException e) {
      failures.add(who + " " + what + ": problem is not JSON: " + cut(r.body()));
    }
  }

  private static String cut(String text) {
    return text.length() > 120 ? text.substring(0, 120) + "..." : text;
  }
}
