package dev.tally.server.gateway;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's chat completions to and from Anthropic's Messages API: the request (system and developer
 * messages become {@code system}, text and image parts become content blocks, {@code
 * max_completion_tokens} or {@code max_tokens} becomes the {@code max_tokens} Anthropic requires,
 * {@code stop} becomes {@code stop_sequences}), the answer (text blocks joined into the message,
 * {@code stop_reason} as {@code finish_reason}), the usage and the errors.
 *
 * <p><b>Usage.</b> Anthropic's counts are disjoint; OpenAI's {@code prompt_tokens} includes the
 * cached ones. So {@code prompt_tokens} = {@code input_tokens + cache_read_input_tokens +
 * cache_creation_input_tokens}, {@code prompt_tokens_details.cached_tokens} = cache reads, and the
 * usage keeps Anthropic's {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}
 * beside them (as LiteLLM does), which the gateway reads so that cache writes are recorded and
 * priced as cache writes.
 *
 * <p><b>Not translated</b> (a 400 naming the field): tools and tool messages, {@code n} other than
 * 1, audio and file parts. Other OpenAI fields Anthropic does not know are left out, since it
 * refuses unknown fields.
 */
final class AnthropicTranslation {
  /** What Anthropic is asked for when the client sets no limit (Anthropic requires one). */
  static final int DEFAULT_MAX_TOKENS = 4096;

  private AnthropicTranslation() {}

  /** A request that cannot be translated: a 400 in OpenAI's shape, naming the field. */
  static final class Untranslatable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Untranslatable(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The Messages request for an OpenAI chat completions request.
   *
   * @throws Untranslatable for what has no translation
   */
  static ObjectNode request(JsonMapper json, JsonNode openAi, boolean stream) {
    ObjectNode out = json.createObjectNode();
    out.put("model", openAi.path("model").asString());
    JsonNode limit =
        openAi.path("max_completion_tokens").isNumber()
            ? openAi.path("max_completion_tokens")
            : openAi.path("max_tokens");
    out.put("max_tokens", limit.isNumber() ? limit.asInt() : DEFAULT_MAX_TOKENS);
    for (String field : new String[] {"tools", "functions"}) {
      if (openAi.path(field).isArray() && !openAi.path(field).isEmpty()) {
        throw new Untranslatable(field + " are not translated for an Anthropic upstream");
      }
    }
    if (openAi.path("n").isNumber() && openAi.path("n").asInt() != 1) {
      throw new Untranslatable("n must be 1 for an Anthropic upstream, was " + openAi.path("n"));
    }
    List<String> system = new ArrayList<>();
    ArrayNode messages = out.putArray("messages");
    for (JsonNode message : openAi.path("messages")) {
      String role = message.path("role").asString("");
      switch (role) {
        case "system", "developer" -> system.add(Messages.text(message.path("content")));
        case "user", "assistant" -> {
          if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
            throw new Untranslatable("tool_calls are not translated for an Anthropic upstream");
          }
          ObjectNode m = messages.addObject();
          m.put("role", role);
          m.set("content", content(json, message.path("content")));
        }
        default ->
            throw new Untranslatable(
                "messages with role '"
                    + GatewayService.excerpt(role)
                    + "' are not translated for an Anthropic upstream");
      }
    }
    if (!system.isEmpty()) {
      out.put("system", String.join("\n\n", system));
    }
    copyNumber(openAi, "temperature", out, "temperature");
    copyNumber(openAi, "top_p", out, "top_p");
    JsonNode stop = openAi.path("stop");
    if (stop.isString()) {
      out.putArray("stop_sequences").add(stop.asString());
    } else if (stop.isArray() && !stop.isEmpty()) {
      out.set("stop_sequences", stop);
    }
    if (openAi.path("user").isString()) {
      out.putObject("metadata").put("user_id", openAi.path("user").asString());
    }
    if (stream) {
      out.put("stream", true);
    }
    return out;
  }

  private static JsonNode content(JsonMapper json, JsonNode content) {
    if (!content.isArray()) {
      return JsonNodeFactory.instance.stringNode(Messages.text(content));
    }
    ArrayNode blocks = json.createArrayNode();
    for (JsonNode part : content) {
      String type = part.path("type").asString("");
      switch (type) {
        case "text" ->
            blocks.addObject().put("type", "text").put("text", part.path("text").asString(""));
        case "image_url" -> {
          String url = part.path("image_url").path("url").asString("");
          ObjectNode source = blocks.addObject().put("type", "image").putObject("source");
          int comma = url.indexOf(',');
          if (url.startsWith("data:") && url.contains(";base64,")) {
            source
                .put("type", "base64")
                .put("media_type", url.substring(5, url.indexOf(';')))
                .put("data", url.substring(comma + 1));
          } else {
            source.put("type", "url").put("url", url);
          }
        }
        default ->
            throw new Untranslatable(
                "content parts of type '"
                    + GatewayService.excerpt(type)
                    + "' are not translated for an Anthropic upstream");
      }
    }
    return blocks;
  }

  private static void copyNumber(JsonNode from, String name, ObjectNode to, String as) {
    if (from.path(name).isNumber()) {
      to.set(as, from.path(name));
    }
  }

  /** An OpenAI {@code chat.completion} for a Messages answer. */
  static ObjectNode response(JsonMapper json, JsonNode message, Clock clock) {
    ObjectNode out = json.createObjectNode();
    out.put("id", "chatcmpl-" + message.path("id").asString(""));
    out.put("object", "chat.completion");
    out.put("created", clock.instant().getEpochSecond());
    out.put("model", message.path("model").asString(""));
    StringBuilder text = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      if ("text".equals(block.path("type").asString(""))) {
        text.append(block.path("text").asString(""));
      }
    }
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text.toString());
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(message.path("stop_reason")));
    out.set("usage", usage(json, message.path("usage"), 0, 0, 0, 0));
    return out;
  }

  /** OpenAI's {@code finish_reason} for Anthropic's {@code stop_reason}. */
  static @Nullable String finishReason(JsonNode stopReason) {
    if (!stopReason.isString()) {
      return null;
    }
    return switch (stopReason.asString()) {
      case "max_tokens" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /**
   * OpenAI's usage object for Anthropic's counts; a field Anthropic leaves out keeps the value
   * given (a stream's {@code message_start} counts under its {@code message_delta}).
   */
  static ObjectNode usage(
      JsonMapper json, JsonNode usage, long input, long cacheRead, long cacheWrite, long output) {
    input = count(usage.path("input_tokens"), input);
    cacheRead = count(usage.path("cache_read_input_tokens"), cacheRead);
    cacheWrite = count(usage.path("cache_creation_input_tokens"), cacheWrite);
    output = count(usage.path("output_tokens"), output);
    long prompt = input + cacheRead + cacheWrite;
    ObjectNode out = json.createObjectNode();
    out.put("prompt_tokens", prompt);
    out.put("completion_tokens", output);
    out.put("total_tokens", prompt + output);
    out.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
    out.put("cache_read_input_tokens", cacheRead);
    out.put("cache_creation_input_tokens", cacheWrite);
    return out;
  }

  private static long count(JsonNode value, long otherwise) {
    return value.isNumber() ? Math.max(0, value.asLong()) : otherwise;
  }

  /**
   * OpenAI's error body for Anthropic's ({@code {"type": "error", "error": {"type", "message"}}});
   * null when the text is not Anthropic's error shape.
   */
  static @Nullable ObjectNode error(JsonMapper json, @Nullable JsonNode anthropic) {
    if (anthropic == null || !anthropic.path("error").isObject()) {
      return null;
    }
    JsonNode error = anthropic.path("error");
    ObjectNode out = json.createObjectNode();
    ObjectNode e = out.putObject("error");
    e.put("message", error.path("message").asString(""));
    e.put("type", error.path("type").asString("api_error").toLowerCase(Locale.ROOT));
    e.putNull("param");
    e.putNull("code");
    return out;
  }
}
