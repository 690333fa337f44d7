package dev.tally.core.pricing;

import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A dated price list. {@link #cost} picks, for the event's model and time, the most specific
 * matching entry that was in effect then, so an event from before a price change keeps the old
 * price. Amounts are exact {@link BigDecimal}s rounded to {@link #SCALE} decimal places, half-even.
 * Immutable and thread-safe.
 */
public final class PriceCatalog {
  /** Decimal places kept in a cost (a millionth of a cent in USD). */
  public static final int SCALE = 8;

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final PriceCatalog EMPTY = new PriceCatalog("empty", List.of());

  private final String version;
  private final List<ModelPrice> prices;

  private PriceCatalog(String version, List<ModelPrice> prices) {
    this.version = version;
    this.prices = List.copyOf(prices);
  }

  /**
   * @param version names this catalog in every cost it produces, for example {@code 2026-11-01}
   */
  public static PriceCatalog of(String version, List<ModelPrice> prices) {
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("version must not be blank, was \"" + version + "\"");
    }
    return new PriceCatalog(version, prices);
  }

  /** A catalog that prices nothing. */
  public static PriceCatalog empty() {
    return EMPTY;
  }

  public String version() {
    return version;
  }

  public List<ModelPrice> prices() {
    return prices;
  }

  /** The entry that prices {@code model} at {@code at}, if any. */
  public Optional<ModelPrice> priceFor(@Nullable String model, Instant at) {
    if (model == null) {
      return Optional.empty();
    }
    return prices.stream()
        .filter(p -> p.matches(model) && !p.effectiveFrom().isAfter(at))
        .max(
            Comparator.comparingInt(ModelPrice::specificity)
                .thenComparing(ModelPrice::effectiveFrom));
  }

  /**
   * The cost of {@code tokens} on {@code model} at {@code at}, with this catalog's version; {@link
   * Cost#unpriced()} when the model has no price then, or the usage is {@link
   * dev.tally.core.event.UsageSource#MISSING} — unpriced, never zero.
   */
  public Cost cost(@Nullable String model, Instant at, TokenUsage tokens) {
    if (!tokens.isKnown()) {
      return Cost.unpriced();
    }
    return priceFor(model, at)
        .map(
            p -> {
              BigDecimal perMillion =
                  p.inputPerMillion()
                      .multiply(BigDecimal.valueOf(tokens.input()))
                      .add(
                          p.cachedInputPerMillion()
                              .multiply(BigDecimal.valueOf(tokens.cachedInput())))
                      .add(
                          p.cacheWritePerMillion()
                              .multiply(BigDecimal.valueOf(tokens.cacheWrite())))
                      .add(p.outputPerMillion().multiply(BigDecimal.valueOf(tokens.output())))
                      .add(
                          p.reasoningPerMillion().multiply(BigDecimal.valueOf(tokens.reasoning())));
              BigDecimal amount =
                  perMillion
                      .divide(MILLION, MathContext.DECIMAL128)
                      .setScale(SCALE, RoundingMode.HALF_EVEN);
              return Cost.of(amount, p.currency(), version);
            })
        .orElse(Cost.unpriced());
  }
}
