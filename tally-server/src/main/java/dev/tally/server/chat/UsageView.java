package dev.tally.server.chat;

import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pricing.PriceCatalog;
import java.math.BigDecimal;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The {@code usage} of a chat or summary response. Token categories are disjoint and add up to
 * {@code totalTokens}. An unpriced model has {@code cost} null and {@code priced} false, never 0.
 *
 * @param cost the exact amount as a decimal string, or null when unpriced
 * @param currency the cost's currency, or null when unpriced
 * @param priceVersion the catalog version that priced it, or null
 */
public record UsageView(
    long inputTokens,
    long cachedInputTokens,
    long cacheWriteTokens,
    long outputTokens,
    long reasoningTokens,
    long totalTokens,
    UsageSource source,
    @Nullable String cost,
    @Nullable String currency,
    boolean priced,
    @Nullable String priceVersion) {

  /** Prices usage with the same catalog and computation the ledger uses. */
  public static UsageView of(TokenUsage usage, String model, Instant at, PriceCatalog catalog) {
    Cost cost = catalog.cost(model, at, usage);
    BigDecimal amount = cost.amount();
    return new UsageView(
        usage.input(),
        usage.cachedInput(),
        usage.cacheWrite(),
        usage.output(),
        usage.reasoning(),
        usage.total(),
        usage.source(),
        amount == null ? null : amount.stripTrailingZeros().toPlainString(),
        cost.currency(),
        cost.isPriced(),
        cost.priceVersion());
  }
}
