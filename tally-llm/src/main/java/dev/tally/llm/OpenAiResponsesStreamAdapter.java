package dev.tally.llm;

import dev.tally.core.UsageStream;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI Responses API streaming ({@code POST /v1/responses} with {@code "stream": true}): typed
 * events, each with a {@code type} (the SSE {@code event:} name is used when it is absent).
 *
 * <ul>
 *   <li>{@code response.output_text.delta} and {@code response.refusal.delta} ({@code delta}) are
 *       the visible text; {@code response.function_call_arguments.delta} is generated output,
 *       counted but not returned.
 *   <li>The stream ends with {@code response.completed}, {@code response.incomplete} (for example
 *       {@code max_output_tokens}, kept as {@link #finishReason()}) or {@code response.failed} (an
 *       error: {@link #error()}, type {@code openai.<code>}); each carries {@code response.usage},
 *       which is the final usage.
 *   <li>Mapping (inclusive, like Chat Completions): {@code input_tokens} includes {@code
 *       input_tokens_details.cached_tokens}, {@code output_tokens} includes {@code
 *       output_tokens_details.reasoning_tokens}; {@link TokenUsage#fromInclusive} makes them
 *       disjoint.
 *   <li>An {@code error} event is a provider error; {@code response.created} and {@code
 *       response.in_progress} name the model; every other event is ignored.
 * </ul>
 */
public final class OpenAiResponsesStreamAdapter extends ProviderStreamAdapter {

  public OpenAiResponsesStreamAdapter(UsageStream stream) {
    super(stream);
  }

  @Override
  protected @Nullable String onJson(@Nullable String eventName, JsonNode json) {
    String type = text(json.path("type"));
    if (type == null) {
      type = eventName == null ? "" : eventName;
    }
    switch (type) {
      case "response.output_text.delta", "response.refusal.delta" -> {
        return text(json.path("delta"));
      }
      case "response.function_call_arguments.delta" -> {
        String delta = text(json.path("delta"));
        generated(delta == null ? "" : delta);
        return null;
      }
      case "response.created", "response.in_progress" -> {
        model(json.path("response").path("model"));
        return null;
      }
      case "response.completed", "response.incomplete", "response.failed" -> {
        JsonNode response = json.path("response");
        model(response.path("model"));
        JsonNode usage = response.path("usage");
        if (usage.isObject()) {
          stream().usage(usage(usage));
        }
        finishReason(response.path("incomplete_details").path("reason"));
        if (type.equals("response.failed")) {
          JsonNode error = response.path("error");
          markError(
              error.isObject()
                  ? errorOf("openai.", error)
                  : new ErrorInfo("openai.response_failed", null));
        } else {
          if (type.equals("response.completed")) {
            finishReason(response.path("status"));
          }
          markDone();
        }
        return null;
      }
      case "error" -> {
        markError(errorOf("openai.", json.path("error").isObject() ? json.path("error") : json));
        return null;
      }
      default -> {
        markIgnored();
        return null;
      }
    }
  }

  /** A Responses {@code usage} object as disjoint, reported usage. */
  static TokenUsage usage(JsonNode usage) {
    long input = count(usage.path("input_tokens"));
    long output = count(usage.path("output_tokens"));
    long cached = Math.min(input, count(usage.path("input_tokens_details").path("cached_tokens")));
    long reasoning =
        Math.min(output, count(usage.path("output_tokens_details").path("reasoning_tokens")));
    return TokenUsage.fromInclusive(input, cached, output, reasoning, UsageSource.REPORTED);
  }
}
