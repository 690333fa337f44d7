package dev.tally.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A real local HTTP server speaking Anthropic's Messages API ({@code POST /v1/messages}), plain and
 * streamed: usage with cache reads and writes (input 20, cache read 100, cache write 30, output 25;
 * a stream's {@code message_start} says output 1 and its {@code message_delta} gives the cumulative
 * 25), and, when told to, Anthropic's 529 {@code overloaded_error}.
 */
final class FakeAnthropic implements AutoCloseable {
  record Request(@Nullable String apiKey, @Nullable String version, String body) {}

  static final String[] PIECES = {"Hello", " from", " Claude"};

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicBoolean overloaded = new AtomicBoolean();

  FakeAnthropic() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/v1/messages", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  void overloaded(boolean on) {
    overloaded.set(on);
  }

  List<Request> requests() {
    return requests;
  }

  Request last() {
    return requests.get(requests.size() - 1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(
          new Request(
              exchange.getRequestHeaders().getFirst("x-api-key"),
              exchange.getRequestHeaders().getFirst("anthropic-version"),
              body));
      if (overloaded.get()) {
        respond(
            exchange,
            529,
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        return;
      }
      String model = field(body, "model");
      if (body.contains("\"stream\":true")) {
        stream(exchange, model);
        return;
      }
      respond(
          exchange,
          200,
          """
          {"id": "msg_01", "type": "message", "role": "assistant", "model": "%s",
           "content": [{"type": "text", "text": "Hello from"}, {"type": "text", "text": " Claude"}],
           "stop_reason": "end_turn", "stop_sequence": null,
           "usage": {"input_tokens": 20, "cache_read_input_tokens": 100,
                     "cache_creation_input_tokens": 30, "output_tokens": 25}}
          """
              .formatted(model));
    } catch (IOException e) {
      // the client left
    }
  }

  private void stream(HttpExchange exchange, String model) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    event(
        out,
        "message_start",
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_02\",\"type\":\"message\","
            + "\"role\":\"assistant\",\"model\":\""
            + model
            + "\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":20,"
            + "\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":30,"
            + "\"output_tokens\":1}}}");
    event(
        out,
        "content_block_start",
        "{\"type\":\"content_block_start\",\"index\":0,"
            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    event(out, "ping", "{\"type\":\"ping\"}");
    for (String piece : PIECES) {
      event(
          out,
          "content_block_delta",
          "{\"type\":\"content_block_delta\",\"index\":0,"
              + "\"delta\":{\"type\":\"text_delta\",\"text\":\""
              + piece
              + "\"}}");
    }
    event(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
    event(
        out,
        "message_delta",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":25}}");
    event(out, "message_stop", "{\"type\":\"message_stop\"}");
  }

  private static void event(OutputStream out, String name, String data) throws IOException {
    out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String field(String body, String name) {
    int at = body.indexOf("\"" + name + "\":\"");
    if (at < 0) {
      return "";
    }
    int start = at + name.length() + 4;
    return body.substring(start, body.indexOf('"', start));
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
