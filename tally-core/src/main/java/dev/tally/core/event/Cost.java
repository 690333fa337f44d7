package dev.tally.core.event;

import java.math.BigDecimal;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What an operation cost: an exact amount in a currency, with the price list version that priced
 * it, or {@linkplain #unpriced() unpriced} — the cost is unknown, which is never the same as zero.
 * A {@link UsageEvent} always carries one; it is unpriced until a caller or a pricing sink sets it.
 *
 * <p>The cost is a typed field of the event, never an attribute: an attribute named {@code
 * tally.cost} is an ordinary attribute and prices nothing.
 *
 * @param amount the exact amount, {@code >= 0}; null when unpriced
 * @param currency an ISO 4217 code, three letters, upper-cased; null when unpriced
 * @param priceVersion the price list version that produced the amount (for example {@code
 *     2026-11-01}); null when unpriced, or when the caller gave the amount itself
 */
public record Cost(
    @Nullable BigDecimal amount, @Nullable String currency, @Nullable String priceVersion) {

  /** The longest price version kept. */
  public static final int MAX_PRICE_VERSION_LENGTH = 256;

  private static final Cost UNPRICED = new Cost(null, null, null);

  /**
   * @throws UsageValidationException naming the field and value that breaks a rule
   */
  public Cost {
    if (amount == null) {
      if (currency != null || priceVersion != null) {
        throw new UsageValidationException(
            "cost.amount",
            null,
            "must be set when a currency or price version is (currency "
                + currency
                + ", priceVersion "
                + priceVersion
                + ")");
      }
    } else {
      if (amount.signum() < 0) {
        throw new UsageValidationException("cost.amount", amount.toPlainString(), "must be >= 0");
      }
      if (currency == null || !isIsoLetters(currency)) {
        throw new UsageValidationException(
            "cost.currency", currency, "must be a 3-letter ISO 4217 code");
      }
      currency = currency.toUpperCase(Locale.ROOT);
      if (priceVersion != null
          && (priceVersion.isBlank() || priceVersion.length() > MAX_PRICE_VERSION_LENGTH)) {
        throw new UsageValidationException(
            "cost.priceVersion",
            priceVersion,
            "must be null or 1 to " + MAX_PRICE_VERSION_LENGTH + " non-blank characters");
      }
    }
  }

  /** The cost of an event nobody priced: unknown, never zero. */
  public static Cost unpriced() {
    return UNPRICED;
  }

  /** An amount the caller knows (a provider's bill, for example), without a price version. */
  public static Cost of(BigDecimal amount, String currency) {
    return new Cost(amount, currency, null);
  }

  /** An amount priced by the price list {@code priceVersion}. */
  public static Cost of(BigDecimal amount, String currency, @Nullable String priceVersion) {
    return new Cost(amount, currency, priceVersion);
  }

  /** Whether an amount is known. */
  public boolean isPriced() {
    return amount != null;
  }

  /**
   * Whether this is a zero amount nobody stands behind: priced at zero without a price version. A
   * pricing sink does not believe it for an event that used tokens.
   */
  public boolean isUnversionedZero() {
    return amount != null && amount.signum() == 0 && priceVersion == null;
  }

  @Override
  public String toString() {
    if (amount == null) {
      return "UNPRICED";
    }
    return amount.toPlainString()
        + " "
        + currency
        + (priceVersion == null ? "" : " (prices " + priceVersion + ")");
  }

  /**
   * Three ASCII letters; checked without a regular expression (this runs for every priced event).
   */
  private static boolean isIsoLetters(String c) {
    if (c.length() != 3) {
      return false;
    }
    for (int i = 0; i < 3; i++) {
      char ch = c.charAt(i);
      if (!(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z')) {
        return false;
      }
    }
    return true;
  }
}
