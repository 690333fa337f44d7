package dev.tally.core.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The price of one model (or a family of models) from a date on, per million tokens of each
 * category. Cached input, cache write and reasoning default to the input, input and output prices
 * when not given, as most providers bill them that way unless they say otherwise.
 *
 * @param model an exact model name, or a pattern with {@code *} wildcards ({@code gpt-4o*})
 * @param effectiveFrom the instant from which this price applies
 * @param currency ISO 4217 code, for example {@code USD}
 */
public record ModelPrice(
    String model,
    Instant effectiveFrom,
    String currency,
    BigDecimal inputPerMillion,
    BigDecimal cachedInputPerMillion,
    BigDecimal cacheWritePerMillion,
    BigDecimal outputPerMillion,
    BigDecimal reasoningPerMillion) {

  public ModelPrice {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model must not be blank, was \"" + model + "\"");
    }
    Objects.requireNonNull(effectiveFrom, "effectiveFrom must not be null");
    if (currency == null || !isUpperIsoCode(currency)) {
      throw new IllegalArgumentException(
          "currency must be a 3-letter ISO 4217 code, was \"" + currency + "\"");
    }
    nonNegative(model, "inputPerMillion", inputPerMillion);
    nonNegative(model, "cachedInputPerMillion", cachedInputPerMillion);
    nonNegative(model, "cacheWritePerMillion", cacheWritePerMillion);
    nonNegative(model, "outputPerMillion", outputPerMillion);
    nonNegative(model, "reasoningPerMillion", reasoningPerMillion);
  }

  /** A price with defaults for the optional categories (null means "as input" or "as output"). */
  public static ModelPrice of(
      String model,
      Instant effectiveFrom,
      String currency,
      BigDecimal inputPerMillion,
      @Nullable BigDecimal cachedInputPerMillion,
      @Nullable BigDecimal cacheWritePerMillion,
      BigDecimal outputPerMillion,
      @Nullable BigDecimal reasoningPerMillion) {
    return new ModelPrice(
        model,
        effectiveFrom,
        currency,
        inputPerMillion,
        cachedInputPerMillion == null ? inputPerMillion : cachedInputPerMillion,
        cacheWritePerMillion == null ? inputPerMillion : cacheWritePerMillion,
        outputPerMillion,
        reasoningPerMillion == null ? outputPerMillion : reasoningPerMillion);
  }

  /** Whether {@code name} is this price's model or matches its pattern. */
  public boolean matches(String name) {
    if (model.indexOf('*') < 0) {
      return model.equals(name);
    }
    return wildcardMatch(model, name);
  }

  /**
   * Whether {@code name} matches {@code pattern}, where {@code *} stands for any sequence of
   * characters and every other character for itself. No regular expression: this runs for every
   * priced event (and every gateway request), and compiling a pattern each time cost a request
   * hundreds of kilobytes of garbage (a JFR allocation profile of the gateway found it).
   */
  static boolean wildcardMatch(String pattern, String name) {
    String[] parts = pattern.split("\\*", -1);
    String first = parts[0];
    String last = parts[parts.length - 1];
    if (name.length() < first.length() + last.length()
        || !name.startsWith(first)
        || !name.endsWith(last)) {
      return false;
    }
    int from = first.length();
    int end = name.length() - last.length();
    for (int i = 1; i < parts.length - 1; i++) {
      String part = parts[i];
      int at = name.indexOf(part, from);
      if (at < 0 || at + part.length() > end) {
        return false;
      }
      from = at + part.length();
    }
    return true;
  }

  /** Exact names win over patterns; among patterns the longest (most specific) wins. */
  int specificity() {
    return model.indexOf('*') < 0 ? Integer.MAX_VALUE : model.replace("*", "").length();
  }

  private static boolean isUpperIsoCode(String c) {
    return c.length() == 3 && c.chars().allMatch(ch -> ch >= 'A' && ch <= 'Z');
  }

  private static void nonNegative(String model, String field, BigDecimal value) {
    if (value == null || value.signum() < 0) {
      throw new IllegalArgumentException(
          "price of " + model + ": " + field + " must be >= 0, was " + value);
    }
  }
}
