package dev.tally.core.pricing;

import java.math.BigDecimal;

/**
 * A priced amount, its currency and the catalog version that priced it. There is no "zero cost"
 * stand-in for unknown prices: an event that cannot be priced has no {@code Cost} at all.
 */
public record Cost(BigDecimal amount, String currency, String priceVersion) {

  /** Attribute keys under which a cost travels on a usage event into the store. */
  public static final String AMOUNT_ATTRIBUTE = "tally.cost";

  public static final String CURRENCY_ATTRIBUTE = "tally.currency";
  public static final String VERSION_ATTRIBUTE = "tally.price_version";
}
