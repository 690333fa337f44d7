package dev.tally.core;

import org.jspecify.annotations.Nullable;

/**
 * Counts tokens locally, when a provider did not report them: a stream that ended without its usage
 * chunk, or a client that left. The count is an estimate and is recorded as {@link
 * UsageSource#ESTIMATED}.
 *
 * <p>Core has no tokenizer. {@link #charsPerToken()} is a crude fallback (one token per four
 * characters, rounded up, so text is never zero tokens); {@code tally-llm} has a real tokenizer,
 * {@code JtokkitTokenEstimator}, which a tracker should use where it is on the class path.
 *
 * <p>Implementations must be thread-safe and must not block. They are called once per stream, at
 * its end, never per chunk.
 */
public interface TokenEstimator {

  /**
   * Tokens of {@code text} in the tokenizer of {@code model} (null when unknown). At least 1 for a
   * non-empty text. Never throws for any text.
   */
  long count(CharSequence text, @Nullable String model);

  /**
   * Names the method for {@code model}, recorded on the event (attribute {@value
   * StreamDetails#ESTIMATOR_ATTRIBUTE}), for example {@code chars/4} or {@code jtokkit/o200k_base}.
   */
  String name(@Nullable String model);

  /** The fallback: {@code ceil(chars / 4)}. Typically within ~30% for English prose. */
  static TokenEstimator charsPerToken() {
    return CharsPerToken.INSTANCE;
  }

  /** The estimator behind {@link #charsPerToken()}. */
  enum CharsPerToken implements TokenEstimator {
    INSTANCE;

    /** Characters per token of the fallback estimate. */
    public static final int CHARS_PER_TOKEN = 4;

    @Override
    public long count(CharSequence text, @Nullable String model) {
      return (text.length() + CHARS_PER_TOKEN - 1L) / CHARS_PER_TOKEN;
    }

    @Override
    public String name(@Nullable String model) {
      return "chars/" + CHARS_PER_TOKEN;
    }
  }
}
