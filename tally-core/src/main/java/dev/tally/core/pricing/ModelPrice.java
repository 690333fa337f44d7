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
    if (currency == null || !currency.matches("[A-Z]{3}")) {
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
    return name.matches(java.util.regex.Pattern.quote(model).replace("*", "\\E.*\\Q"));
  }

  /** Exact names win over patterns; among patterns the longest (most specific) wins. */
  int specificity() {
    return model.indexOf('*') < 0 ? Integer.MAX_VALUE : model.replace("*", "").length();
  }

  private static void nonNegative(String model, String field, BigDecimal value) {
    if (value == null || value.signum() < 0) {
      throw new IllegalArgumentException(
          "price of " + model + ": " + field + " must be >= 0, was " + value);
    }
  }
}
