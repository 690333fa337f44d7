package dev.tally.server.gateway;

import dev.tally.core.UsageStream;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.llm.OpenAiChatStreamAdapter;
import dev.tally.server.model.TokenCounter;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A streamed chat completion, relayed line by line on the request thread: the upstream's SSE lines
 * reach the client as they arrive, unchanged ({@code data: [DONE]} included), flushed at the end of
 * each event unless more of the upstream's bytes are already waiting to be read: events that arrive
 * apart are flushed one by one, a burst that arrived together goes out in one write. The upstream
 * is always asked for {@code stream_options.include_usage}; its usage chunk reaches the client only
 * if the client asked for it. Every line also feeds an {@link OpenAiChatStreamAdapter}, which
 * counts the generated text and reads the usage (cached and reasoning tokens) into the request's
 * {@link UsageStream}.
 *
 * <p>A client that leaves is noticed when a write to it fails: the upstream response is closed
 * (which cancels the upstream call) and the stream is {@code CANCELLED} with the prompt and the
 * output generated so far. An upstream error chunk is relayed and ends the stream as a failure; a
 * stream that ends before {@code [DONE]} is a failure with its partial tokens.
 */
final class StreamRelay {
  private static final byte[] NEWLINE = {'\n'};

  private final GatewayService service;
  private final JsonMapper json;
  private final TokenCounter tokens;

  StreamRelay(GatewayService service, JsonMapper json, TokenCounter tokens) {
    this.service = service;
    this.json = json;
    this.tokens = tokens;
  }

  void stream(
      GatewayExchange exchange,
      Upstreams.Route route,
      ObjectNode request,
      HttpServletResponse response)
      throws IOException {
    boolean clientWantsUsage =
        request.path("stream_options").path("include_usage").asBoolean(false);
    request.withObject("stream_options").put("include_usage", true);
    try (UsageStream usage = service.start("chat", exchange, route)) {
      if (route.upstream() instanceof EchoUpstream) {
        // echo's own counts are chat-framed: the estimate of a streamed echo matches a plain one
        usage.promptTokens(tokens.countPrompt(Messages.of(request)));
      } else {
        usage.prompt(Messages.promptText(request));
      }
      Attempt.Result<Upstream.Stream> result =
          service.call(
              exchange,
              route,
              usage,
              u -> u.stream(request),
              Upstream.Stream::status,
              Upstream.Stream::close);
      Upstream upstream = result.upstream();
      try (Upstream.Stream answer = result.answer()) {
        if (answer.status() / 100 != 2) {
          service.upstreamError(
              exchange,
              usage,
              upstream,
              answer.status(),
              answer.errorBody().getBytes(StandardCharsets.UTF_8),
              response);
          return;
        }
        relay(exchange, route, upstream, answer, usage, clientWantsUsage, response);
      }
    }
  }

  private void relay(
      GatewayExchange exchange,
      Upstreams.Route route,
      Upstream upstream,
      Upstream.Stream answer,
      UsageStream usage,
      boolean clientWantsUsage,
      HttpServletResponse response)
      throws IOException {
    exchange.stamp(response, null);
    response.setStatus(200);
    response.setContentType("text/event-stream; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    OpenAiChatStreamAdapter adapter = new OpenAiChatStreamAdapter(usage);
    boolean local = upstream instanceof EchoUpstream;
    boolean burst;
    try {
      burst = answer.ready();
    } catch (IOException e) {
      burst = false; // the first read will say what is wrong
    }
    ServletOutputStream out;
    try {
      out = response.getOutputStream();
      if (!burst) {
        response.flushBuffer(); // the headers now; with the first event when it is already here
      }
    } catch (IOException e) {
      usage.cancel();
      return;
    }
    Client client = new Client(out);
    boolean skipping = false;
    TokenUsage exact = null;
    String line;
    try {
      while ((line = answer.nextLine()) != null) {
        JsonNode usageChunk = usageChunk(line);
        if (!(local && usageChunk != null)) {
          adapter.line(line);
          if (usageChunk != null) {
            exact = cacheWrites(usageChunk, upstream);
          } else if (exact != null && line.isEmpty()) {
            usage.usage(exact); // after the adapter dispatched the usage chunk's event
            exact = null;
          }
        }
        if (line.isEmpty()) {
          if (skipping) {
            skipping = false;
          } else {
            client.endEvent();
          }
        } else if (usageChunk != null && !clientWantsUsage) {
          skipping = true;
        } else {
          client.line(line);
        }
        if ((adapter.isDone() || adapter.error() != null) && !client.pending()) {
          break;
        }
        if (client.unflushed() && !answer.ready()) {
          client.flush();
        }
      }
      adapter.end();
      if (exact != null) {
        usage.usage(exact);
      }
      client.endEvent();
      client.flush();
    } catch (ClientGone e) {
      answer.cancel();
      usage.cancel();
      service.admission().used(exchange, usage.tokens().total());
      return;
    } catch (IOException e) {
      answer.cancel();
      usage.fail(
          new ErrorInfo(
              "upstream.broken",
              upstream.scrub(
                  "upstream '" + upstream.name() + "' stream broke: " + e.getMessage())));
      service.admission().used(exchange, usage.tokens().total());
      return;
    }
    ErrorInfo error = adapter.error();
    if (error != null) {
      usage.fail(error);
    } else if (!adapter.isDone()) {
      usage.fail(
          new ErrorInfo(
              "upstream.incomplete",
              "upstream '" + upstream.name() + "' ended the stream before [DONE]"));
    } else {
      usage.complete();
    }
    TokenUsage tokens = usage.tokens();
    service.admission().used(exchange, tokens.total());
  }

  /**
   * An SSE line's chunk when it is OpenAI's usage chunk (a usage object, no choices), else null.
   */
  private @Nullable JsonNode usageChunk(String line) {
    if (!line.startsWith("data:") || !line.contains("\"usage\"")) {
      return null;
    }
    JsonNode chunk;
    try {
      chunk = json.readTree(line.substring(5));
    } catch (JacksonException e) {
      return null;
    }
    return chunk != null
            && chunk.path("usage").isObject()
            && (chunk.path("choices").isMissingNode() || chunk.path("choices").isEmpty())
        ? chunk
        : null;
  }

  /**
   * The usage with the cache writes the OpenAI adapter does not know (Anthropic's, see {@link
   * GatewayService#usage}), to give the stream again once the adapter has read the chunk (the
   * provider's final usage replaces the adapter's); null when there are none.
   */
  private static @Nullable TokenUsage cacheWrites(JsonNode chunk, Upstream upstream) {
    if (chunk.path("usage").path("cache_creation_input_tokens").asLong(0) <= 0) {
      return null;
    }
    return GatewayService.usage(chunk.path("usage"), upstream);
  }

  /** The client's side: lines of the current event, written; whole events, flushed. */
  private static final class Client {
    private final ServletOutputStream out;
    private boolean pending;
    private boolean unflushed;

    Client(ServletOutputStream out) {
      this.out = out;
    }

    boolean pending() {
      return pending;
    }

    boolean unflushed() {
      return unflushed;
    }

    void line(String line) {
      try {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write(NEWLINE);
        pending = true;
      } catch (IOException e) {
        throw new ClientGone();
      }
    }

    void endEvent() {
      if (!pending) {
        return;
      }
      try {
        out.write(NEWLINE);
        pending = false;
        unflushed = true;
      } catch (IOException e) {
        throw new ClientGone();
      }
    }

    void flush() {
      if (!unflushed) {
        return;
      }
      try {
        out.flush();
        unflushed = false;
      } catch (IOException e) {
        throw new ClientGone();
      }
    }
  }

  /** A write to the client failed: it left. */
  private static final class ClientGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClientGone() {
      super("the client left", null, false, false);
    }
  }
}
