package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pricing.ModelPrice;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.pricing.PricingSink;
import dev.tally.core.sink.UsageSink;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * {@link PricingSink} keeps the sink contract; the kit's unpriced event with a model arrives
 * priced, every other field unchanged, and events that already carry a cost keep it.
 */
class PricingSinkConformanceTest extends UsageSinkConformanceTest {
  private static final PriceCatalog CATALOG =
      PriceCatalog.of(
          "conformance-prices",
          List.of(
              ModelPrice.of(
                  "gpt-4o-mini*",
                  Instant.parse("2020-01-01T00:00:00Z"),
                  "USD",
                  new BigDecimal("0.15"),
                  null,
                  null,
                  new BigDecimal("0.60"),
                  null)));

  private InMemoryUsageSink inner;

  @Override
  protected UsageSink createSink() {
    inner = new InMemoryUsageSink();
    return new PricingSink(inner, CATALOG);
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return inner.events();
  }

  @Override
  protected UsageEvent expectedStored(UsageEvent exported) {
    UsageEvent priced = PricingSink.price(exported, CATALOG);
    if (exported.model() != null && !exported.cost().isPriced() && exported.tokens().isKnown()) {
      // The kit must really exercise pricing, not only pass events through.
      org.assertj.core.api.Assertions.assertThat(priced.cost().isPriced())
          .as("event %s priced by the catalog", exported.id())
          .isTrue();
    }
    return priced;
  }
}
