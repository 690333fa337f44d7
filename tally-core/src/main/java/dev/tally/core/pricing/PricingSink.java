package dev.tally.core.pricing;

import dev.tally.core.event.Cost;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.ForwardingUsageSink;
import dev.tally.core.sink.UsageSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink decorator that prices each event before the delegate stores it: it sets the event's typed
 * {@link UsageEvent#cost() cost} from the {@link PriceCatalog}. Pricing runs on the pipeline
 * worker, off the request thread. It is deterministic (the event's model and timestamp pick the
 * price), so a retried or replayed batch is priced the same. An event that already carries a cost,
 * or cannot be priced, passes unchanged — unpriced, never zero. Attributes are never read: an
 * attribute named {@code tally.cost} is not a cost.
 *
 * <p><b>Invariant: no silent $0.</b> After this sink, an event with tokens &gt; 0 either is
 * {@linkplain Cost#unpriced() unpriced} — which the ledger stores as a null cost and counts in
 * {@code unpriced} — or carries a cost with its currency; a cost of zero only ever comes with the
 * price version of a catalog entry that prices those tokens at zero (a free model, stated on
 * purpose). A caller-supplied cost of zero without a price version on an event with tokens is not
 * believed: it is removed and the event priced from the catalog, or left unpriced.
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
    Cost given = event.cost();
    if (given.isPriced()) {
      if (!(given.isUnversionedZero() && event.tokens().total() > 0)) {
        return event;
      }
      log.debug(
          "Tally: event {} has tokens and a cost of zero without a price version; re-pricing",
          event.id());
    }
    Cost cost = catalog.cost(event.model(), event.occurredAt(), event.tokens());
    return cost.equals(given) ? event : event.withCost(cost);
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
