package dev.tally.llm;

import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Anthropic Messages streaming ({@code POST /v1/messages} with {@code "stream": true}).
 *
 * <ul>
 *   <li>{@code message_start} carries {@code message.usage}: {@code input_tokens}, {@code
 *       cache_read_input_tokens}, {@code cache_creation_input_tokens} and a placeholder {@code
 *       output_tokens}. It is given as {@link UsageStream#partialUsage}: if the stream stops before
 *       its end, the input is the provider's and only the output is estimated.
 *   <li>{@code content_block_delta} with a {@code text_delta} is the visible text; {@code
 *       input_json_delta} (tool input) and {@code thinking_delta} are generated output, counted but
 *       not returned.
 *   <li>{@code message_delta} carries {@code usage} that is <b>cumulative</b>: each one is the
 *       total so far, so the last one wins and deltas are never summed. Fields it omits (older API
 *       versions send only {@code output_tokens}) keep their {@code message_start} values. Each
 *       {@code message_delta} gives the merged counts as the final {@link UsageStream#usage}.
 *   <li>Mapping: Anthropic's counts are already <i>disjoint</i> ({@code input_tokens} excludes
 *       cache reads and writes), so input = {@code input_tokens}, cachedInput = {@code
 *       cache_read_input_tokens}, cacheWrite = {@code cache_creation_input_tokens}, output = {@code
 *       output_tokens}. Anthropic does not report thinking apart: it is inside output, reasoning
 *       stays 0.
 *   <li>{@code message_stop} ends the stream; an {@code error} event (for example {@code
 *       overloaded_error}) is a provider error, type {@code anthropic.<type>}; {@code ping} and
 *       unknown events are ignored.
 * </ul>
 */
public final class AnthropicStreamAdapter extends ProviderStreamAdapter {
  private long input;
  private long cacheRead;
  private long cacheWrite;

  public AnthropicStreamAdapter(UsageStream stream) {
    super(stream);
  }

  @Override
  protected @Nullable String onJson(@Nullable String eventName, JsonNode json) {
    String type = text(json.path("type"));
    if (type == null) {
      type = eventName == null ? "" : eventName;
    }
    switch (type) {
      case "message_start" -> {
        JsonNode message = json.path("message");
        model(message.path("model"));
        JsonNode usage = message.path("usage");
        if (usage.isObject()) {
          input = count(usage.path("input_tokens"));
          cacheRead = count(usage.path("cache_read_input_tokens"));
          cacheWrite = count(usage.path("cache_creation_input_tokens"));
          stream().partialUsage(usage(count(usage.path("output_tokens"))));
        }
        return null;
      }
      case "content_block_delta" -> {
        JsonNode delta = json.path("delta");
        switch (String.valueOf(text(delta.path("type")))) {
          case "text_delta" -> {
            return text(delta.path("text"));
          }
          case "input_json_delta" -> generated(orEmpty(text(delta.path("partial_json"))));
          case "thinking_delta" -> generated(orEmpty(text(delta.path("thinking"))));
          default -> markIgnored();
        }
        return null;
      }
      case "message_delta" -> {
        finishReason(json.path("delta").path("stop_reason"));
        JsonNode usage = json.path("usage");
        if (usage.isObject()) {
          // Cumulative: replace what message_start said when the field is present.
          input = replace(input, usage.path("input_tokens"));
          cacheRead = replace(cacheRead, usage.path("cache_read_input_tokens"));
          cacheWrite = replace(cacheWrite, usage.path("cache_creation_input_tokens"));
          stream().usage(usage(count(usage.path("output_tokens"))));
        }
        return null;
      }
      case "message_stop" -> {
        markDone();
        return null;
      }
      case "error" -> {
        markError(errorOf("anthropic.", json.path("error")));
        return null;
      }
      default -> {
        markIgnored();
        return null;
      }
    }
  }

  private TokenUsage usage(long output) {
    return TokenUsage.builder(UsageSource.REPORTED)
        .input(input)
        .cachedInput(cacheRead)
        .cacheWrite(cacheWrite)
        .output(output)
        .build();
  }

  private static long replace(long current, JsonNode node) {
    return node.isMissingNode() || node.isNull() ? current : count(node);
  }

  private static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }
}
