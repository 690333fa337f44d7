package dev.tally.core.internal;

import dev.tally.core.TokenEstimator;
import dev.tally.core.event.StreamDetails.TokenBasis;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.jspecify.annotations.Nullable;

/**
 * Decides the tokens of a stream when it ends, from what it was fed. The rules ({@link
 * dev.tally.core.UsageStream} documents them): the provider's final usage wins; otherwise the
 * prompt (provider input counts, caller's count, or the estimator over the prompt text) plus the
 * delivered output (caller's token counts plus the estimator over the delivered text, scaled by
 * length past the buffer) is an estimate; an estimate of zero is MISSING, and delivered text is
 * never zero tokens.
 */
final class StreamTokens {
  private StreamTokens() {}

  /** The decided usage, its basis, and the estimator name when one counted. */
  record Result(TokenUsage tokens, TokenBasis basis, @Nullable String estimator) {}

  /** What the stream was fed, read under its lock. */
  record Fed(
      @Nullable TokenUsage finalUsage,
      @Nullable TokenUsage partialUsage,
      @Nullable String prompt,
      long promptTokens,
      @Nullable CharSequence bufferedText,
      long deliveredChars,
      long deliveredTokens,
      @Nullable String model) {}

  /** Whether {@link #resolve} would run the estimator on what was fed (the rules there). */
  static boolean estimates(Fed fed) {
    TokenUsage reported = fed.finalUsage();
    if (reported != null && !(reported.total() == 0 && fed.deliveredChars() > 0)) {
      return false;
    }
    CharSequence buffered = fed.bufferedText();
    if (fed.deliveredChars() > 0 && buffered != null && buffered.length() > 0) {
      return true;
    }
    TokenUsage partial = fed.partialUsage();
    if (partial != null && partial.totalInput() > 0) {
      return false;
    }
    return fed.promptTokens() < 0 && fed.prompt() != null && !fed.prompt().isEmpty();
  }

  static Result resolve(Fed fed, TokenEstimator estimator, OnceLogger failures) {
    TokenUsage reported = fed.finalUsage();
    if (reported != null && !(reported.total() == 0 && fed.deliveredChars() > 0)) {
      return new Result(
          reported,
          reported.source() == UsageSource.REPORTED ? TokenBasis.REPORTED : TokenBasis.ESTIMATED,
          null);
    }
    Counter counter = new Counter(estimator, fed.model(), failures);
    long output = fed.deliveredTokens();
    if (fed.deliveredChars() > 0) {
      output += Math.max(1, counter.delivered(fed.bufferedText(), fed.deliveredChars()));
    }
    TokenUsage partial = fed.partialUsage();
    long input;
    long cachedInput = 0;
    long cacheWrite = 0;
    TokenBasis basis = TokenBasis.ESTIMATED;
    if (partial != null) {
      output = Math.max(output, partial.output());
    }
    if (partial != null && partial.totalInput() > 0) {
      input = partial.input();
      cachedInput = partial.cachedInput();
      cacheWrite = partial.cacheWrite();
      basis = TokenBasis.REPORTED_INPUT;
    } else if (fed.promptTokens() >= 0) {
      input = fed.promptTokens();
    } else if (fed.prompt() != null && !fed.prompt().isEmpty()) {
      input = counter.count(fed.prompt());
    } else {
      input = 0;
    }
    if (input + cachedInput + cacheWrite + output == 0) {
      return new Result(TokenUsage.missing(), TokenBasis.NONE, null);
    }
    TokenUsage tokens =
        TokenUsage.builder(UsageSource.ESTIMATED)
            .input(input)
            .cachedInput(cachedInput)
            .cacheWrite(cacheWrite)
            .output(output)
            .build();
    return new Result(tokens, basis, counter.used ? counter.name() : null);
  }

  /** Runs the estimator, falling back to chars/4 when it throws. */
  private static final class Counter {
    private final TokenEstimator estimator;
    private final @Nullable String model;
    private final OnceLogger failures;
    private boolean used;
    private boolean failed;
    private boolean usedEstimator;
    private boolean usedFallback;

    Counter(TokenEstimator estimator, @Nullable String model, OnceLogger failures) {
      this.estimator = estimator;
      this.model = model;
      this.failures = failures;
    }

    long count(CharSequence text) {
      used = true;
      if (!failed) {
        try {
          long tokens = estimator.count(text, model);
          usedEstimator = true;
          return Math.max(text.length() == 0 ? 0 : 1, tokens);
        } catch (RuntimeException e) {
          failed = true;
          failures.failure(
              "estimator", "Tally: the token estimator threw; counting chars/4 instead", e);
        }
      }
      usedFallback = true;
      return TokenEstimator.charsPerToken().count(text, model);
    }

    /** Tokens of the delivered text; scaled by length when only a part of it was buffered. */
    long delivered(@Nullable CharSequence buffered, long deliveredChars) {
      long bufferedChars = buffered == null ? 0 : buffered.length();
      if (bufferedChars == 0) {
        used = true;
        usedFallback = true;
        long per = TokenEstimator.CharsPerToken.CHARS_PER_TOKEN;
        return (deliveredChars + per - 1) / per;
      }
      long tokens = count(buffered);
      if (deliveredChars <= bufferedChars) {
        return tokens;
      }
      return (long) Math.ceil((double) tokens * deliveredChars / bufferedChars);
    }

    /** The estimator's name, or the fallback's, or both joined by {@code +} when both counted. */
    String name() {
      String fallback = TokenEstimator.charsPerToken().name(model);
      if (!usedEstimator) {
        return fallback;
      }
      String name = estimator.name(model);
      return usedFallback && !name.equals(fallback) ? name + "+" + fallback : name;
    }
  }
}
