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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A real local HTTP server speaking OpenAI's chat completions (plain and streamed) and embeddings,
 * for the gateway: every answer carries an unknown field ({@code x_upstream_extra}), usage with
 * cached and reasoning tokens (60,000 prompt tokens for a model named {@code *-big}), and the
 * server can be told to fail with 500 or to answer 401 echoing the key it was sent.
 */
final class FakeUpstream implements AutoCloseable {
  enum Mode {
    OK,
    FAIL_500,
    ECHO_KEY_401,
    /** Streams pieces until a write fails because the caller closed the connection. */
    ENDLESS
  }

  record Request(String path, @Nullable String authorization, String body) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger served = new AtomicInteger();
  private final AtomicInteger closedByCaller = new AtomicInteger();

  FakeUpstream() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/v1/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  void mode(Mode next) {
    mode.set(next);
  }

  List<Request> requests() {
    return requests;
  }

  Request last() {
    return requests.get(requests.size() - 1);
  }

  int served() {
    return served.get();
  }

  /** How many endless streams saw their caller close the connection. */
  int closedByCaller() {
    return closedByCaller.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      String path = exchange.getRequestURI().getPath();
      requests.add(new Request(path, auth, body));
      served.incrementAndGet();
      switch (mode.get()) {
        case FAIL_500 -> {
          respond(
              exchange,
              500,
              "{\"error\": {\"message\": \"upstream exploded\", \"type\": \"server_error\"}}");
          return;
        }
        case ECHO_KEY_401 -> {
          respond(
              exchange,
              401,
              "{\"error\": {\"message\": \"Incorrect API key provided: "
                  + (auth == null ? "" : auth.replace("Bearer ", ""))
                  + "\", \"type\": \"invalid_request_error\", \"code\": \"invalid_api_key\"}}");
          return;
        }
        case OK, ENDLESS -> {}
      }
      String model = field(body, "model");
      if (path.endsWith("/embeddings")) {
        respond(
            exchange,
            200,
            """
            {"object": "list", "model": "%s", "x_upstream_extra": {"kept": true},
             "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5, 0.75]}],
             "usage": {"prompt_tokens": 7, "total_tokens": 7}}
            """
                .formatted(model));
        return;
      }
      long prompt = model.endsWith("-big") ? 60_000 : 120;
      if (body.contains("\"stream\":true")) {
        stream(exchange, model, prompt);
      } else {
        respond(
            exchange,
            200,
            """
            {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "%s",
             "x_upstream_extra": {"kept": true},
             "choices": [{"index": 0, "finish_reason": "stop",
                          "message": {"role": "assistant", "content": "Hello from upstream"}}],
             "usage": {"prompt_tokens": %d, "completion_tokens": 30, "total_tokens": %d,
                       "prompt_tokens_details": {"cached_tokens": 100},
                       "completion_tokens_details": {"reasoning_tokens": 10}}}
            """
                .formatted(model, prompt, prompt + 30));
      }
    } catch (IOException e) {
      // the client left
    }
  }

  static final String[] PIECES = {"Hello", " from", " the", " stream"};

  private void stream(HttpExchange exchange, String model, long prompt) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    String head =
        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
            + model
            + "\",\"x_upstream_extra\":1,";
    if (mode.get() == Mode.ENDLESS) {
      try {
        // bounded by TCP back-pressure: the writes block once the caller stops reading
        for (long i = 0; i < 10_000_000L; i++) {
          chunk(out, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word\"}}]}");
        }
      } catch (IOException e) {
        closedByCaller.incrementAndGet();
        throw e;
      }
      return;
    }
    for (String piece : PIECES) {
      chunk(out, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"}}]}");
    }
    chunk(out, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    chunk(
        out,
        head
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":"
            + prompt
            + ",\"completion_tokens\":30,\"total_tokens\":"
            + (prompt + 30)
            + ",\"prompt_tokens_details\":{\"cached_tokens\":100},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":10}}}");
    chunk(out, "[DONE]");
  }

  private static String field(String body, String name) {
    int at = body.indexOf("\"" + name + "\":\"");
    if (at < 0) {
      return "";
    }
    int start = at + name.length() + 4;
    return body.substring(start, body.indexOf('"', start));
  }

  private static void chunk(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
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
