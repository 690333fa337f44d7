/**
 * Pricing: a dated {@link dev.tally.core.pricing.PriceCatalog} turns token usage into a {@link
 * dev.tally.core.event.Cost}, category by category, with {@link java.math.BigDecimal}. A model the
 * catalog does not know is unpriced — never a cost of zero.
 */
@NullMarked
package dev.tally.core.pricing;

import org.jspecify.annotations.NullMarked;
