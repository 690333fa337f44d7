package dev.tally.jdbc;

import java.math.BigDecimal;

/**
 * An amount in a currency.
 *
 * @param amount the exact amount
 * @param currency an ISO 4217 code as the event gave it; {@code XXX} when an event had a cost but
 *     no currency
 */
public record Money(BigDecimal amount, String currency) {}
