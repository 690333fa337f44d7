package dev.tally.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A real local HTTP server that speaks enough of the OpenAI chat completions API: it answers with a
 * fixed reply and usage (including cached and reasoning tokens), or with an error, or not in time.
 */
final class FakeOpenAi implements AutoCloseable {
  static final String API_KEY = "sk-test";

  enum Mode {
    OK,
    ERROR,
    SLOW,
    NO_USAGE,
    GARBAGE,
    ENDLESS
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);
  private final AtomicReference<String> model = new AtomicReference<>("gpt-test-2025-01-01");
  private final AtomicReference<CountDownLatch> release =
      new AtomicReference<>(new CountDownLatch(1));
  private final AtomicReference<@Nullable String> lastAuthorization = new AtomicReference<>();
  private final AtomicReference<@Nullable String> lastBody = new AtomicReference<>();
  private final AtomicReference<CountDownLatch> cancelled =
      new AtomicReference<>(new CountDownLatch(1));

  FakeOpenAi() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** The next answers: OK with this model name. */
  void answerAs(String modelName) {
    mode.set(Mode.OK);
    model.set(modelName);
  }

  void fail() {
    mode.set(Mode.ERROR);
  }

  void answerWithoutUsage() {
    mode.set(Mode.NO_USAGE);
  }

  void answerGarbage() {
    mode.set(Mode.GARBAGE);
  }

  /**
   * The next streamed answers never end: pieces until a write fails because the caller closed the
   * connection, which {@link #upstreamCancelled()} then reports.
   */
  void streamEndlessly() {
    cancelled.set(new CountDownLatch(1));
    mode.set(Mode.ENDLESS);
  }

  /** Whether an endless stream saw its caller close the connection. */
  boolean upstreamCancelled() {
    return cancelled.get().getCount() == 0;
  }

  /** Holds answers until {@link #releaseSlowAnswers()}; a fresh hold each time. */
  void stall() {
    release.set(new CountDownLatch(1));
    mode.set(Mode.SLOW);
  }

  void releaseSlowAnswers() {
    release.get().countDown();
  }

  @Nullable String lastAuthorization() {
    return lastAuthorization.get();
  }

  @Nullable String lastBody() {
    return lastBody.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      lastBody.set(body);
      if (body.contains("\"stream\":true") && mode.get() != Mode.SLOW) {
        stream(exchange);
        return;
      }
      switch (mode.get()) {
        case ERROR -> respond(exchange, 500, "{\"error\": {\"message\": \"upstream exploded\"}}");
        case SLOW -> {
          CountDownLatch latch = release.get();
          try {
            latch.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          respond(exchange, 200, completion());
        }
        case OK -> respond(exchange, 200, completion());
        case NO_USAGE ->
            respond(
                exchange,
                200,
                "{\"model\": \"local-llm\", \"choices\": [{\"message\": {\"role\":"
                    + " \"assistant\", \"content\": \"no usage here\"}}]}");
        case GARBAGE -> respond(exchange, 200, "<html>not json</html>");
      }
    } catch (IOException e) {
      // the client gave up (timeout); nothing to answer
    }
  }

  /** The pieces of a streamed answer: "Hello from the fake provider". */
  static final String[] PIECES = {"Hello", " from", " the", " fake", " provider"};

  /**
   * Streams OpenAI chat completion chunks: OK ends with the usage chunk (same counts as a plain
   * answer) and [DONE]; NO_USAGE without the usage chunk; ERROR sends two pieces then an error
   * chunk; GARBAGE answers 500.
   */
  private void stream(HttpExchange exchange) throws IOException {
    if (mode.get() == Mode.GARBAGE) {
      respond(exchange, 500, "{\"error\": {\"message\": \"upstream exploded\"}}");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    var out = exchange.getResponseBody();
    String head =
        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"" + model.get() + "\",";
    if (mode.get() == Mode.ENDLESS) {
      CountDownLatch seen = cancelled.get();
      try {
        // Bounded by TCP back-pressure: the writes block once the caller stops reading.
        for (long i = 0; i < 10_000_000L; i++) {
          chunk(out, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word\"}}]}");
        }
      } catch (IOException e) {
        seen.countDown();
        throw e;
      }
      return;
    }
    int n = mode.get() == Mode.ERROR ? 2 : PIECES.length;
    for (int i = 0; i < n; i++) {
      chunk(
          out, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + PIECES[i] + "\"}}]}");
    }
    switch (mode.get()) {
      case ERROR ->
          chunk(out, "{\"error\": {\"message\": \"overloaded\", \"type\": \"server_error\"}}");
      case NO_USAGE -> chunk(out, "[DONE]");
      default -> {
        chunk(out, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        chunk(
            out,
            head
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,"
                + "\"total_tokens\":150,\"prompt_tokens_details\":{\"cached_tokens\":100},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":10}}}");
        chunk(out, "[DONE]");
      }
    }
  }

  private static void chunk(java.io.OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private String completion() {
    return """
        {"id": "chatcmpl-1", "object": "chat.completion", "model": "%s",
         "choices": [{"index": 0, "finish_reason": "stop",
                      "message": {"role": "assistant", "content": "Hello from the fake provider"}}],
         "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
                   "prompt_tokens_details": {"cached_tokens": 100},
                   "completion_tokens_details": {"reasoning_tokens": 10}}}
        """
        .formatted(model.get());
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    releaseSlowAnswers();
    server.stop(0);
    executor.shutdownNow();
  }
}
