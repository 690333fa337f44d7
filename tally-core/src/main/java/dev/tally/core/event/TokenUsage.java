package dev.tally.core.event;

/**
 * Token counts of one operation, by category, and where they came from.
 *
 * <p>The categories are disjoint so that they add up and can be priced separately: {@code input}
 * counts input tokens that were not read from a cache, {@code cachedInput} those that were, {@code
 * cacheWrite} the input tokens written to a cache, {@code output} visible output tokens and {@code
 * reasoning} hidden reasoning tokens. Providers that report inclusive totals (OpenAI's {@code
 * prompt_tokens} includes cached tokens, {@code completion_tokens} includes reasoning) are mapped
 * with {@link #fromInclusive}.
 *
 * <p>When the source is {@link UsageSource#MISSING}, every count is zero and means "unknown".
 */
public record TokenUsage(
    long input,
    long cachedInput,
    long cacheWrite,
    long output,
    long reasoning,
    UsageSource source) {

  private static final TokenUsage MISSING = new TokenUsage(0, 0, 0, 0, 0, UsageSource.MISSING);

  public TokenUsage {
    requireNonNegative("tokens.input", input);
    requireNonNegative("tokens.cachedInput", cachedInput);
    requireNonNegative("tokens.cacheWrite", cacheWrite);
    requireNonNegative("tokens.output", output);
    requireNonNegative("tokens.reasoning", reasoning);
    if (source == null) {
      throw new UsageValidationException("tokens.source", null, "must not be null");
    }
    if (source == UsageSource.MISSING
        && (input | cachedInput | cacheWrite | output | reasoning) != 0) {
      throw new UsageValidationException(
          "tokens.source",
          source,
          "must be REPORTED or ESTIMATED when counts are given (total "
              + (input + cachedInput + cacheWrite + output + reasoning)
              + ")");
    }
  }

  /** Usage that is not known. Never read it as zero. */
  public static TokenUsage missing() {
    return MISSING;
  }

  /** Provider-reported input and output tokens, no cache or reasoning tokens. */
  public static TokenUsage reported(long input, long output) {
    return new TokenUsage(input, 0, 0, output, 0, UsageSource.REPORTED);
  }

  /** Locally estimated input and output tokens. */
  public static TokenUsage estimated(long input, long output) {
    return new TokenUsage(input, 0, 0, output, 0, UsageSource.ESTIMATED);
  }

  /**
   * Maps counts where cached input is included in the input total and reasoning in the output total
   * (OpenAI's {@code prompt_tokens} and {@code completion_tokens}) to disjoint categories.
   *
   * @throws UsageValidationException if a part is larger than the total that includes it
   */
  public static TokenUsage fromInclusive(
      long promptTokens,
      long cachedPromptTokens,
      long completionTokens,
      long reasoningTokens,
      UsageSource source) {
    if (cachedPromptTokens > promptTokens) {
      throw new UsageValidationException(
          "tokens.cachedInput", cachedPromptTokens, "must be <= prompt tokens " + promptTokens);
    }
    if (reasoningTokens > completionTokens) {
      throw new UsageValidationException(
          "tokens.reasoning", reasoningTokens, "must be <= completion tokens " + completionTokens);
    }
    return new TokenUsage(
        promptTokens - cachedPromptTokens,
        cachedPromptTokens,
        0,
        completionTokens - reasoningTokens,
        reasoningTokens,
        source);
  }

  /** A builder for usage with every category. */
  public static Builder builder(UsageSource source) {
    return new Builder(source);
  }

  /** The sum of all categories. */
  public long total() {
    return input + cachedInput + cacheWrite + output + reasoning;
  }

  /** All input tokens, cached or not, including cache writes. */
  public long totalInput() {
    return input + cachedInput + cacheWrite;
  }

  /** Whether the counts are known (reported or estimated). */
  public boolean isKnown() {
    return source != UsageSource.MISSING;
  }

  private static void requireNonNegative(String field, long value) {
    if (value < 0) {
      throw new UsageValidationException(field, value, "must be >= 0");
    }
  }

  /** Builds a {@link TokenUsage}; every count defaults to zero. */
  public static final class Builder {
    private final UsageSource source;
    private long input;
    private long cachedInput;
    private long cacheWrite;
    private long output;
    private long reasoning;

    private Builder(UsageSource source) {
      this.source = source;
    }

    public Builder input(long tokens) {
      this.input = tokens;
      return this;
    }

    public Builder cachedInput(long tokens) {
      this.cachedInput = tokens;
      return this;
    }

    public Builder cacheWrite(long tokens) {
      this.cacheWrite = tokens;
      return this;
    }

    public Builder output(long tokens) {
      this.output = tokens;
      return this;
    }

    public Builder reasoning(long tokens) {
      this.reasoning = tokens;
      return this;
    }

    /**
     * @throws UsageValidationException naming the first field that breaks a rule
     */
    public TokenUsage build() {
      return new TokenUsage(input, cachedInput, cacheWrite, output, reasoning, source);
    }
  }
}
