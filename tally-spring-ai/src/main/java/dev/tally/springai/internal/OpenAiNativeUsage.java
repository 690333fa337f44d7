package dev.tally.springai.internal;

import com.openai.models.completions.CompletionUsage;
import org.jspecify.annotations.Nullable;

/** Reads the OpenAI SDK's usage object; loaded only when the SDK is on the class path. */
final class OpenAiNativeUsage {
  private OpenAiNativeUsage() {}

  record Counts(long cachedPromptTokens, long reasoningTokens) {}

  static @Nullable Counts read(Object nativeUsage) {
    if (!(nativeUsage instanceof CompletionUsage usage)) {
      return null;
    }
    try {
      long cached =
          usage
              .promptTokensDetails()
              .flatMap(CompletionUsage.PromptTokensDetails::cachedTokens)
              .orElse(0L);
      long reasoning =
          usage
              .completionTokensDetails()
              .flatMap(CompletionUsage.CompletionTokensDetails::reasoningTokens)
              .orElse(0L);
      return new Counts(Math.max(0, cached), Math.max(0, reasoning));
    } catch (RuntimeException e) {
      // The SDK throws for a field of the wrong JSON type; the generic counts still hold.
      return null;
    }
  }
}
