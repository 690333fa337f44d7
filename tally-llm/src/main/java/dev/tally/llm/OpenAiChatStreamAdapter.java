package dev.tally.llm;

import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI Chat Completions streaming ({@code "stream": true}), and the many servers that speak it.
 *
 * <ul>
 *   <li>{@code choices[].delta.content} (and {@code refusal}) is the visible text; {@code
 *       delta.tool_calls[].function.arguments} is generated output too, counted but not returned.
 *   <li>Usage arrives only when the request set {@code stream_options.include_usage=true}: one
 *       extra chunk with {@code "choices": []} and a {@code usage} object, just before {@code data:
 *       [DONE]}. An interrupted stream never sends it, and the stream is then estimated.
 *   <li>Mapping (OpenAI's counts are <i>inclusive</i>): {@code prompt_tokens} includes {@code
 *       prompt_tokens_details.cached_tokens}, {@code completion_tokens} includes {@code
 *       completion_tokens_details.reasoning_tokens}; {@link TokenUsage#fromInclusive} makes them
 *       disjoint: input = prompt − cached, cachedInput = cached, output = completion − reasoning,
 *       reasoning = reasoning. A part larger than its total is clamped to the total.
 *   <li>{@code data: [DONE]} ends the stream ({@link #isDone()}); a chunk with an {@code error}
 *       object is a provider error ({@link #error()}, type {@code openai.<type>}).
 * </ul>
 */
public final class OpenAiChatStreamAdapter extends ProviderStreamAdapter {

  public OpenAiChatStreamAdapter(UsageStream stream) {
    super(stream);
  }

  @Override
  protected boolean handleRaw(SseEvent event) {
    if (event.data().trim().equals("[DONE]")) {
      markDone();
      return true;
    }
    return false;
  }

  @Override
  protected @Nullable String onJson(@Nullable String eventName, JsonNode json) {
    JsonNode error = json.path("error");
    if (error.isObject()) {
      markError(errorOf("openai.", error));
      return null;
    }
    model(json.path("model"));
    JsonNode usage = json.path("usage");
    if (usage.isObject()) {
      stream().usage(usage(usage));
    }
    JsonNode choices = json.path("choices");
    if (!choices.isArray()) {
      if (!usage.isObject()) {
        markIgnored();
      }
      return null;
    }
    StringBuilder text = null;
    for (JsonNode choice : choices) {
      finishReason(choice.path("finish_reason"));
      JsonNode delta = choice.path("delta");
      for (String field : new String[] {"content", "refusal"}) {
        String part = text(delta.path(field));
        if (part != null && !part.isEmpty()) {
          text = text == null ? new StringBuilder(part) : text.append(part);
        }
      }
      for (JsonNode call : delta.path("tool_calls")) {
        JsonNode function = call.path("function");
        String name = text(function.path("name"));
        generated(name == null ? "" : name);
        String arguments = text(function.path("arguments"));
        generated(arguments == null ? "" : arguments);
      }
    }
    return text == null ? null : text.toString();
  }

  /** A Chat Completions {@code usage} object as disjoint, reported usage. */
  static TokenUsage usage(JsonNode usage) {
    long prompt = count(usage.path("prompt_tokens"));
    long completion = count(usage.path("completion_tokens"));
    long cached =
        Math.min(prompt, count(usage.path("prompt_tokens_details").path("cached_tokens")));
    long reasoning =
        Math.min(
            completion, count(usage.path("completion_tokens_details").path("reasoning_tokens")));
    return TokenUsage.fromInclusive(prompt, cached, completion, reasoning, UsageSource.REPORTED);
  }
}
