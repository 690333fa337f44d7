package dev.tally.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A streamed chat over real HTTP: posts {@code "stream": true} and reads server-sent events. */
final class Sse {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One server-sent event with its JSON data. */
  record Event(String name, JsonNode data) {}

  /** The response: status, content type and the events read. */
  record Streamed(int status, String contentType, List<Event> events, String rest) {
    Event last() {
      return events.get(events.size() - 1);
    }

    List<String> names() {
      return events.stream().map(Event::name).toList();
    }

    String text() {
      StringBuilder b = new StringBuilder();
      events.stream()
          .filter(e -> e.name().equals("delta"))
          .forEach(e -> b.append(e.data().path("text").asString()));
      return b.toString();
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String base;

  Sse(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** Reads the whole stream. */
  Streamed chat(@Nullable String key, String message, @Nullable String sessionId) {
    return chat(key, message, sessionId, Integer.MAX_VALUE);
  }

  /**
   * Reads at most {@code max} events, then closes the connection (the client leaves) when the
   * stream has not ended yet.
   */
  Streamed chat(@Nullable String key, String message, @Nullable String sessionId, int max) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("message", message);
    body.put("stream", true);
    if (sessionId != null) {
      body.put("sessionId", sessionId);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + "/api/chat"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    try {
      HttpResponse<InputStream> r =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      String type = r.headers().firstValue("Content-Type").orElse("");
      List<Event> events = new ArrayList<>();
      try (InputStream in = r.body();
          BufferedReader lines =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        if (!type.startsWith("text/event-stream")) {
          return new Streamed(
              r.statusCode(), type, events, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        String name = "message";
        StringBuilder data = new StringBuilder();
        String line;
        while (events.size() < max && (line = lines.readLine()) != null) {
          if (line.isEmpty()) {
            if (!data.isEmpty()) {
              events.add(new Event(name, JSON.readTree(data.toString())));
            }
            name = "message";
            data.setLength(0);
          } else if (line.startsWith("event:")) {
            name = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).strip());
          }
        }
      } // closing the body before its end cancels the exchange: the client leaves
      return new Streamed(r.statusCode(), type, events, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
