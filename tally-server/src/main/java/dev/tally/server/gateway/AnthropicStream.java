package dev.tally.server.gateway;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Anthropic Messages stream read as OpenAI's chat completion chunks, line by line: {@code
 * message_start} is the first chunk (role {@code assistant}), each {@code text_delta} a content
 * chunk, {@code message_delta} the chunk with the {@code finish_reason}, and {@code message_stop}
 * the usage chunk ({@code "choices": []}) and {@code data: [DONE]}. Anthropic's usage is cumulative
 * ({@code message_delta} repeats the totals so far, and may leave out what {@code message_start}
 * said): the last value of each count wins, never a sum. An {@code error} event becomes OpenAI's
 * error chunk and ends the stream. {@code ping}, thinking and unknown events are left out.
 */
final class AnthropicStream implements Upstream.Stream {
  private final Upstream.Stream raw;
  private final JsonMapper json;
  private final long created;
  private final Deque<String> out = new ArrayDeque<>();
  private String id = "chatcmpl-anthropic";
  private String model = "";
  private long input;
  private long cacheRead;
  private long cacheWrite;
  private long output;
  private boolean ended;

  AnthropicStream(Upstream.Stream raw, JsonMapper json, Clock clock) {
    this.raw = raw;
    this.json = json;
    this.created = clock.instant().getEpochSecond();
  }

  @Override
  public int status() {
    return raw.status();
  }

  @Override
  public @Nullable String nextLine() throws IOException {
    while (out.isEmpty()) {
      if (ended) {
        return null;
      }
      String line = raw.nextLine();
      if (line == null) {
        ended = true;
        return null;
      }
      if (line.startsWith("data:")) {
        translate(line.substring(5).trim());
      }
    }
    return out.poll();
  }

  private void translate(String data) {
    JsonNode event;
    try {
      event = json.readTree(data);
    } catch (JacksonException e) {
      return; // not JSON: nothing an OpenAI client could read
    }
    if (event == null) {
      return;
    }
    switch (event.path("type").asString("")) {
      case "message_start" -> {
        JsonNode message = event.path("message");
        id = "chatcmpl-" + message.path("id").asString("");
        model = message.path("model").asString("");
        counts(message.path("usage"));
        ObjectNode delta = json.createObjectNode().put("role", "assistant").put("content", "");
        emit(chunk(delta, null));
      }
      case "content_block_start" -> {
        JsonNode block = event.path("content_block");
        String text = block.path("text").asString("");
        if ("text".equals(block.path("type").asString("")) && !text.isEmpty()) {
          emit(chunk(json.createObjectNode().put("content", text), null));
        }
      }
      case "content_block_delta" -> {
        JsonNode delta = event.path("delta");
        if ("text_delta".equals(delta.path("type").asString(""))) {
          emit(
              chunk(json.createObjectNode().put("content", delta.path("text").asString("")), null));
        }
      }
      case "message_delta" -> {
        counts(event.path("usage"));
        String finish = AnthropicTranslation.finishReason(event.path("delta").path("stop_reason"));
        if (finish != null) {
          emit(chunk(json.createObjectNode(), finish));
        }
      }
      case "message_stop" -> {
        ObjectNode usage = base();
        usage.putArray("choices");
        usage.set(
            "usage",
            AnthropicTranslation.usage(
                json, json.createObjectNode(), input, cacheRead, cacheWrite, output));
        emit(usage);
        out.add("data: [DONE]");
        out.add("");
        ended = true;
      }
      case "error" -> {
        ObjectNode error = AnthropicTranslation.error(json, event);
        if (error != null) {
          emit(error);
        }
        ended = true;
      }
      default -> {
        // ping, content_block_stop, thinking and what Anthropic adds later
      }
    }
  }

  private void counts(JsonNode usage) {
    if (!usage.isObject()) {
      return;
    }
    input = replace(input, usage.path("input_tokens"));
    cacheRead = replace(cacheRead, usage.path("cache_read_input_tokens"));
    cacheWrite = replace(cacheWrite, usage.path("cache_creation_input_tokens"));
    output = replace(output, usage.path("output_tokens"));
  }

  private static long replace(long current, JsonNode value) {
    return value.isNumber() ? Math.max(0, value.asLong()) : current;
  }

  private ObjectNode base() {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model);
    return chunk;
  }

  private ObjectNode chunk(ObjectNode delta, @Nullable String finishReason) {
    ObjectNode chunk = base();
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk;
  }

  private void emit(ObjectNode chunk) {
    out.add("data: " + json.writeValueAsString(chunk));
    out.add("");
  }

  /** Anthropic's error body as OpenAI's when it has Anthropic's shape, else as it came. */
  @Override
  public String errorBody() throws IOException {
    String body = raw.errorBody();
    try {
      ObjectNode error = AnthropicTranslation.error(json, json.readTree(body));
      return error == null ? body : json.writeValueAsString(error);
    } catch (JacksonException e) {
      return body;
    }
  }

  @Override
  public void cancel() {
    raw.cancel();
  }

  @Override
  public void close() {
    raw.close();
  }

  /** A stream that never reached Anthropic: a request it cannot take, as a 400. */
  static Upstream.Stream refused(String body) {
    return new Upstream.Stream() {
      @Override
      public int status() {
        return 400;
      }

      @Override
      public @Nullable String nextLine() {
        return null;
      }

      @Override
      public String errorBody() {
        return body;
      }

      @Override
      public void close() {}
    };
  }
}
