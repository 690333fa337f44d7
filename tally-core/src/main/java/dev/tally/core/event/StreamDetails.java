package dev.tally.core.event;

import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a streamed operation adds to its event: whether the stream ran to its end, the time to its
 * first token, how many chunks it delivered and how its tokens were obtained. It travels as event
 * attributes with the names below (so every sink and the ledger keep it without a schema change);
 * read it back typed with {@link #of(UsageEvent)}.
 *
 * @param completed true when the stream ended by {@link UsageStream#complete()}; false when it
 *     failed, was cancelled or abandoned
 * @param timeToFirstToken from the start of the stream to its first delivered chunk; null when
 *     nothing was delivered
 * @param chunks delivered chunks (text or token counts) fed to the stream
 * @param basis how the event's token counts were obtained
 * @param estimator the estimator that counted tokens locally, when one did
 */
public record StreamDetails(
    boolean completed,
    @Nullable Duration timeToFirstToken,
    long chunks,
    TokenBasis basis,
    @Nullable String estimator) {

  /** {@code true} or {@code false}. */
  public static final String COMPLETED_ATTRIBUTE = "tally.stream.completed";

  /** Time to first token in microseconds; absent when nothing was delivered. */
  public static final String TTFT_ATTRIBUTE = "tally.stream.ttft_us";

  /** Delivered chunks. */
  public static final String CHUNKS_ATTRIBUTE = "tally.stream.chunks";

  /** {@link TokenBasis} in lower case: {@code reported}, {@code reported_input}, ... */
  public static final String BASIS_ATTRIBUTE = "tally.tokens.basis";

  /** {@link TokenEstimator#name} of the estimator used; absent when nothing was estimated. */
  public static final String ESTIMATOR_ATTRIBUTE = "tally.tokens.estimator";

  /** Stream chunks a provider parser could not read (malformed JSON); absent when none. */
  public static final String MALFORMED_ATTRIBUTE = "tally.stream.malformed";

  public StreamDetails {
    if (chunks < 0) {
      throw new UsageValidationException("stream.chunks", chunks, "must be >= 0");
    }
    if (timeToFirstToken != null && timeToFirstToken.isNegative()) {
      throw new UsageValidationException(
          "stream.timeToFirstToken", timeToFirstToken, "must be >= 0");
    }
    if (basis == null) {
      throw new UsageValidationException("stream.basis", null, "must not be null");
    }
  }

  /** How a streamed event's tokens were obtained. */
  public enum TokenBasis {
    /** The provider's final usage arrived: every count is the provider's. Source REPORTED. */
    REPORTED,
    /**
     * The provider reported the input (Anthropic's {@code message_start}) but not the final output;
     * the output was estimated from what was delivered. Source ESTIMATED.
     */
    REPORTED_INPUT,
    /** No provider usage: the prompt and the delivered output were counted locally. ESTIMATED. */
    ESTIMATED,
    /** Nothing could be counted (no prompt given, nothing delivered). Source MISSING. */
    NONE
  }

  /** The details of a streamed event; empty for an event that was not streamed. */
  public static Optional<StreamDetails> of(UsageEvent event) {
    Map<String, String> a = event.attributes();
    String completed = a.get(COMPLETED_ATTRIBUTE);
    String basis = a.get(BASIS_ATTRIBUTE);
    if (completed == null || basis == null) {
      return Optional.empty();
    }
    try {
      String ttft = a.get(TTFT_ATTRIBUTE);
      String chunks = a.get(CHUNKS_ATTRIBUTE);
      return Optional.of(
          new StreamDetails(
              Boolean.parseBoolean(completed),
              ttft == null ? null : Duration.ofNanos(Long.parseLong(ttft) * 1000),
              chunks == null ? 0 : Long.parseLong(chunks),
              TokenBasis.valueOf(basis.toUpperCase(Locale.ROOT)),
              a.get(ESTIMATOR_ATTRIBUTE)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** These details as the attributes an event carries. */
  public Map<String, String> toAttributes() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(COMPLETED_ATTRIBUTE, Boolean.toString(completed));
    if (timeToFirstToken != null) {
      a.put(TTFT_ATTRIBUTE, Long.toString(timeToFirstToken.toNanos() / 1000));
    }
    a.put(CHUNKS_ATTRIBUTE, Long.toString(chunks));
    a.put(BASIS_ATTRIBUTE, basis.name().toLowerCase(Locale.ROOT));
    if (estimator != null) {
      a.put(ESTIMATOR_ATTRIBUTE, estimator);
    }
    return a;
  }
}
