package dev.tally.springai.internal;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.util.ClassUtils;

/**
 * Maps Spring AI's {@link Usage} to Tally's disjoint categories. Spring AI's generic usage has
 * prompt, completion, cache read and cache write counts but not reasoning tokens, and providers
 * differ in what "prompt" includes: OpenAI's {@code prompt_tokens} includes cached tokens (and
 * {@code completion_tokens} includes reasoning), Anthropic's {@code input_tokens} excludes cache
 * reads and writes. The native usage fills what the generic one lacks.
 */
public final class SpringAiUsage {
  private static final boolean OPENAI_PRESENT =
      ClassUtils.isPresent(
          "com.openai.models.completions.CompletionUsage", SpringAiUsage.class.getClassLoader());

  private SpringAiUsage() {}

  /**
   * The reported usage, or null when the response carries none (every count absent or zero, as in
   * Spring AI's {@code EmptyUsage} or a stream without its usage chunk).
   */
  public static @Nullable TokenUsage reported(@Nullable Usage usage, @Nullable String provider) {
    if (usage == null) {
      return null;
    }
    long prompt = positive(usage.getPromptTokens());
    long completion = positive(usage.getCompletionTokens());
    long cacheRead = positive(usage.getCacheReadInputTokens());
    long cacheWrite = positive(usage.getCacheWriteInputTokens());
    long reasoning = 0;
    Object nativeUsage = usage.getNativeUsage();
    if (OPENAI_PRESENT && nativeUsage != null) {
      OpenAiNativeUsage.Counts counts = OpenAiNativeUsage.read(nativeUsage);
      if (counts != null) {
        cacheRead = Math.max(cacheRead, counts.cachedPromptTokens());
        reasoning = counts.reasoningTokens();
      }
    }
    if ((prompt | completion | cacheRead | cacheWrite) == 0) {
      return null;
    }
    TokenUsage.Builder tokens = TokenUsage.builder(UsageSource.REPORTED);
    if ("anthropic".equals(provider)) {
      // Disjoint already; thinking is in output_tokens and not reported apart.
      return tokens
          .input(prompt)
          .cachedInput(cacheRead)
          .cacheWrite(cacheWrite)
          .output(completion)
          .build();
    }
    long cached = Math.min(cacheRead, prompt);
    long written = Math.min(cacheWrite, prompt - cached);
    long hidden = Math.min(reasoning, completion);
    return tokens
        .input(prompt - cached - written)
        .cachedInput(cached)
        .cacheWrite(written)
        .output(completion - hidden)
        .reasoning(hidden)
        .build();
  }

  private static long positive(@Nullable Number value) {
    return value == null ? 0 : Math.max(0, value.longValue());
  }
}
