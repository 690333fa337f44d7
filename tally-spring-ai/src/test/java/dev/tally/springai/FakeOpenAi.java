package dev.tally.springai;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real local HTTP server speaking OpenAI's Chat Completions wire format: each request takes the
 * next scripted reply (a JSON body, an SSE stream, or an error status).
 */
final class FakeOpenAi implements AutoCloseable {
  static final String MODEL = "gpt-4o-mini-2024-07-18";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** Released when a held stream may finish (a test that cancels it need not release it). */
  final CountDownLatch release = new CountDownLatch(1);

  FakeOpenAi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/chat/completions", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  FakeOpenAi reply(Reply reply) {
    replies.add(reply);
    return this;
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    Reply reply = replies.poll();
    if (reply == null) {
      reply = Reply.error(500, "no reply scripted");
    }
    try (exchange) {
      if (reply.chunks == null) {
        byte[] body = reply.body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      for (String chunk : reply.chunks) {
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      if (reply.hold) {
        release.await(10, TimeUnit.SECONDS);
        return;
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    } catch (IOException | InterruptedException e) {
      // the client left (a cancelled stream): nothing more to send
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  record Reply(int status, String body, List<String> chunks, boolean hold) {
    static Reply json(String body) {
      return new Reply(200, body, null, false);
    }

    static Reply error(int status, String message) {
      return new Reply(
          status,
          "{\"error\":{\"message\":\"" + message + "\",\"type\":\"server_error\",\"code\":null}}",
          null,
          false);
    }

    static Reply stream(List<String> chunks) {
      return new Reply(200, null, chunks, false);
    }

    /** Sends the chunks, then keeps the stream open without ending it. */
    static Reply held(List<String> chunks) {
      return new Reply(200, null, chunks, true);
    }
  }

  static String completion(String content, String usage) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\""
        + MODEL
        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
        + content
        + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":"
        + usage
        + "}";
  }

  static String toolCall(String name, String arguments, String usage) {
    return "{\"id\":\"chatcmpl-t\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\""
        + MODEL
        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
        + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\""
        + name
        + "\",\"arguments\":\""
        + arguments.replace("\"", "\\\"")
        + "\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":"
        + usage
        + "}";
  }

  static String usage(int prompt, int cached, int completion, int reasoning) {
    return "{\"prompt_tokens\":"
        + prompt
        + ",\"completion_tokens\":"
        + completion
        + ",\"total_tokens\":"
        + (prompt + completion)
        + ",\"prompt_tokens_details\":{\"cached_tokens\":"
        + cached
        + "},\"completion_tokens_details\":{\"reasoning_tokens\":"
        + reasoning
        + "}}";
  }

  static String chunk(String content) {
    return "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\""
        + MODEL
        + "\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\""
        + content
        + "\"},\"logprobs\":null,\"finish_reason\":null}]}";
  }

  static String finish() {
    return "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\""
        + MODEL
        + "\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}";
  }

  static String usageChunk(String usage) {
    return "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\""
        + MODEL
        + "\",\"choices\":[],\"usage\":"
        + usage
        + "}";
  }
}
