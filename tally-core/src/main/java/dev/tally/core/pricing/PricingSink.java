package dev.tally.core.pricing;

import dev.tally.core.ForwardingUsageSink;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSink;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p><b>Invariant: no silent $0.</b> After this sink, an event with tokens &gt; 0 either carries no
 * cost — it is <i>unpriced</i>, which the ledger stores as a null cost and counts in {@code
 * unpriced} — or carries a cost with its currency; a cost of zero only ever comes with the price
 * version of a catalog entry that prices those tokens at zero (a free model, stated on purpose). A
 * caller-supplied cost of zero without a price version on an event with tokens is not believed: it
 * is removed and the event priced from the catalog, or left unpriced.
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
    String given = event.attributes().get(Cost.AMOUNT_ATTRIBUTE);
    if (given != null) {
      if (!isUnversionedZero(event, given)) {
        return event;
      }
      log.debug(
          "Tally: event {} has tokens and a cost of zero without a price version; re-pricing",
          event.id());
      event = withoutCost(event);
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

  private static boolean isUnversionedZero(UsageEvent event, String amount) {
    if (event.tokens().total() == 0 || event.attributes().containsKey(Cost.VERSION_ATTRIBUTE)) {
      return false;
    }
    try {
      return new BigDecimal(amount.trim()).signum() == 0;
    } catch (NumberFormatException e) {
      return false; // not a number: the store refuses it and records the event unpriced
    }
  }

  private static UsageEvent withoutCost(UsageEvent e) {
    Map<String, String> attributes = new LinkedHashMap<>(e.attributes());
    attributes.remove(Cost.AMOUNT_ATTRIBUTE);
    attributes.remove(Cost.CURRENCY_ATTRIBUTE);
    return new UsageEvent(
        e.id(),
        e.occurredAt(),
        e.operation(),
        e.subject(),
        e.userEmail(),
        e.sessionId(),
        e.tenant(),
        e.model(),
        e.provider(),
        e.tokens(),
        e.duration(),
        e.outcome(),
        e.error(),
        attributes,
        e.traceId(),
        e.content());
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
