package dev.tally.core.pricing;

import dev.tally.core.ForwardingUsageSink;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink decorator that prices each event before the delegate stores it: it adds the attributes
 * {@link Cost#AMOUNT_ATTRIBUTE}, {@link Cost#CURRENCY_ATTRIBUTE} and {@link
 * Cost#VERSION_ATTRIBUTE}. Pricing runs on the pipeline worker, off the request thread. It is
 * deterministic (the event's model and timestamp pick the price), so a retried or replayed batch is
 * priced the same. An event that already carries a cost, or cannot be priced, passes unchanged —
 * unpriced, never zero.
 */
public final class PricingSink extends ForwardingUsageSink {
  private static final Logger log = LoggerFactory.getLogger(PricingSink.class);

  private final PriceCatalog catalog;

  public PricingSink(UsageSink delegate, PriceCatalog catalog) {
    super(delegate);
    this.catalog = catalog;
  }

  /** Prices one event; the same event when it is already priced or has no price. */
  public static UsageEvent price(UsageEvent event, PriceCatalog catalog) {
    if (event.attributes().containsKey(Cost.AMOUNT_ATTRIBUTE)) {
      return event;
    }
    Optional<Cost> cost = catalog.cost(event.model(), event.occurredAt(), event.tokens());
    if (cost.isEmpty()) {
      return event;
    }
    try {
      return event.toBuilder()
          .attribute(Cost.AMOUNT_ATTRIBUTE, cost.get().amount().toPlainString())
          .attribute(Cost.CURRENCY_ATTRIBUTE, cost.get().currency())
          .attribute(Cost.VERSION_ATTRIBUTE, cost.get().priceVersion())
          .build();
    } catch (RuntimeException e) {
      log.warn("Tally: event {} left unpriced: {}", event.id(), e.getMessage());
      return event;
    }
  }

  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    List<UsageEvent> priced = new ArrayList<>(batch.size());
    for (UsageEvent event : batch) {
      priced.add(price(event, catalog));
    }
    return delegate().export(priced);
  }

  @Override
  public String name() {
    return "priced(" + delegate().name() + ")";
  }

  /** The catalog that prices events. */
  public PriceCatalog catalog() {
    return catalog;
  }
}
