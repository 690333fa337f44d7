package dev.tally.core.query;

import java.math.BigDecimal;

/**
 * An amount in a currency.
 *
 * @param amount the exact amount
 * @param currency the ISO 4217 code of the events' {@link dev.tally.core.event.Cost}
 */
public record Money(BigDecimal amount, String currency) {}
