package dev.tally.benchmarks.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake OpenAI chat completions server (JDK {@code HttpServer}) that answers every request after a
 * fixed delay: a plain completion with usage, or (for {@code "stream":true}) the headers and then,
 * after the delay, five content chunks, the usage chunk and {@code [DONE]}.
 */
final class SlowUpstream implements AutoCloseable {
  private static final byte[] PLAIN =
      ("{\"id\":\"chatcmpl-b\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"bench-1\","
              + "\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":"
              + "\"assistant\",\"content\":\"Hello from the benchmark upstream\"}}],"
              + "\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":7,\"total_tokens\":49}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] STREAM = stream();

  private final HttpServer server;
  private final ExecutorService executor;
  private final long delayNanos;

  SlowUpstream(long delayMillis, int threads) throws IOException {
    this.delayNanos = delayMillis * 1_000_000L;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    AtomicInteger n = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "slow-upstream-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      long start = System.nanoTime();
      byte[] body = exchange.getRequestBody().readAllBytes();
      boolean stream = new String(body, StandardCharsets.UTF_8).contains("\"stream\":true");
      pauseUntil(start + delayNanos);
      if (stream) {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, STREAM.length);
        exchange.getResponseBody().write(STREAM);
      } else {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, PLAIN.length);
        exchange.getResponseBody().write(PLAIN);
      }
    } catch (IOException e) {
      // the client left
    }
  }

  private static void pauseUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      try {
        Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static byte[] stream() {
    StringBuilder s = new StringBuilder();
    String head =
        "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench-1\",";
    for (String piece : new String[] {"Hello", " from", " the", " benchmark", " upstream"}) {
      s.append("data: ")
          .append(head)
          .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
          .append(piece)
          .append("\"}}]}\n\n");
    }
    s.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    s.append("data: ")
        .append(head)
        .append("\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":7,")
        .append("\"total_tokens\":49}}\n\n");
    s.append("data: [DONE]\n\n");
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
