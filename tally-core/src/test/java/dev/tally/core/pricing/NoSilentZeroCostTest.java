package dev.tally.core.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The invariant of issue 14: after pricing, an event with tokens &gt; 0 and a cost of zero that is
 * not marked unpriced (no cost at all) is impossible unless a catalog entry priced it at zero.
 */
class NoSilentZeroCostTest {
  private static final Instant JAN = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant AT = Instant.parse("2026-03-01T00:00:00Z");
  private static final BigDecimal ZERO = BigDecimal.ZERO;

  private final PriceCatalog catalog =
      PriceCatalog.of(
          "v7",
          List.of(
              ModelPrice.of(
                  "paid", JAN, "USD", new BigDecimal("1"), null, null, new BigDecimal("2"), null),
              ModelPrice.of("free", JAN, "USD", ZERO, null, null, ZERO, null)));

  @Test
  void aZeroPricedModelGetsAnExplicitZeroWithItsPriceVersion() {
    UsageEvent priced =
        PricingSink.price(event("free", TokenUsage.reported(100, 50), Cost.unpriced()), catalog);

    assertThat(priced.cost()).isEqualTo(Cost.of(new BigDecimal("0E-8"), "USD", "v7"));
    assertThat(priced.cost().amount()).isEqualByComparingTo("0");
  }

  @Test
  void anUnknownModelIsLeftUnpricedNotZero() {
    UsageEvent priced =
        PricingSink.price(event("unknown", TokenUsage.reported(100, 50), Cost.unpriced()), catalog);

    assertThat(priced.cost()).isEqualTo(Cost.unpriced());
  }

  @Test
  void aCallerSuppliedZeroWithoutPriceVersionIsRepricedFromTheCatalog() {
    UsageEvent zero =
        event("paid", TokenUsage.reported(1_000_000, 0), Cost.of(BigDecimal.ZERO, "USD"));

    UsageEvent priced = PricingSink.price(zero, catalog);

    assertThat(priced.cost()).isEqualTo(Cost.of(new BigDecimal("1.00000000"), "USD", "v7"));
  }

  @Test
  void aCallerSuppliedZeroOnAnUnknownModelBecomesUnpriced() {
    UsageEvent zero =
        event("unknown", TokenUsage.estimated(10, 10), Cost.of(new BigDecimal("0.00"), "USD"));

    assertThat(PricingSink.price(zero, catalog).cost()).isEqualTo(Cost.unpriced());
  }

  @Test
  void aCallerSuppliedNonZeroCostIsKept() {
    UsageEvent given =
        event("paid", TokenUsage.reported(10, 10), Cost.of(new BigDecimal("0.5"), "USD"));

    assertThat(PricingSink.price(given, catalog)).isSameAs(given);
  }

  @Test
  void anAttributeNamedLikeTheOldCostAttributesIsNeverACost() {
    UsageEvent posing =
        UsageEvent.builder("chat")
            .occurredAt(AT)
            .model("unknown")
            .tokens(TokenUsage.reported(10, 10))
            .attribute("tally.cost", "0")
            .attribute("tally.currency", "USD")
            .attribute("tally.price_version", "forged")
            .build();

    UsageEvent priced = PricingSink.price(posing, catalog);

    assertThat(priced.cost()).isEqualTo(Cost.unpriced());
    assertThat(priced.attributes()).containsEntry("tally.cost", "0");
  }

  @Test
  void noPricedEventHasTokensAndAZeroCostWithoutAPriceVersion() {
    List<UsageEvent> events = new ArrayList<>();
    List<String> models = new ArrayList<>(List.of("paid", "free", "unknown"));
    models.add(null);
    List<TokenUsage> usages =
        List.of(
            TokenUsage.missing(),
            TokenUsage.reported(0, 0),
            TokenUsage.reported(1, 0),
            TokenUsage.estimated(0, 3),
            TokenUsage.builder(UsageSource.REPORTED).cachedInput(5).reasoning(2).build());
    List<Cost> given =
        List.of(
            Cost.unpriced(),
            Cost.of(BigDecimal.ZERO, "USD"),
            Cost.of(new BigDecimal("0.000"), "EUR"),
            Cost.of(BigDecimal.ZERO, "USD", "caller-v1"),
            Cost.of(new BigDecimal("0.25"), "USD"));
    for (String model : models) {
      for (TokenUsage usage : usages) {
        for (Cost cost : given) {
          events.add(event(model, usage, cost));
          // An attribute that looks like a cost changes nothing.
          events.add(
              event(model, usage, cost).toBuilder()
                  .id(UUID.randomUUID().toString())
                  .attribute("tally.cost", "0")
                  .build());
        }
      }
    }
    // Streams too: a stream cancelled before its usage chunk is estimated, then priced.
    UsageTracker tracker = UsageTracker.builder(events::add).build();
    for (String model : models) {
      UsageStream stream = tracker.startStream("chat", UsageContext.of("u").withModel(model));
      stream.prompt("a prompt").delivered("some delivered text").cancel();
    }

    int priced0 = 0;
    int unpriced = 0;
    for (UsageEvent event : events) {
      UsageEvent priced = PricingSink.price(event, catalog);
      Cost cost = priced.cost();
      BigDecimal amount = cost.amount();
      boolean zero = amount != null && amount.signum() == 0;
      if (priced.tokens().total() > 0 && zero) {
        priced0++;
        assertThat(cost.priceVersion())
            .as("tokens %s, cost 0 of model %s", priced.tokens(), priced.model())
            .isNotNull();
      }
      if (priced.tokens().total() > 0 && !cost.isPriced()) {
        unpriced++;
        assertThat(priced.model())
            .as("unpriced although the catalog prices it")
            .isNotIn("paid", "free");
      }
    }
    // The checks above ran on both kinds of event, not on none.
    assertThat(priced0).as("events with tokens priced at an explicit zero").isPositive();
    assertThat(unpriced).as("events with tokens left unpriced").isPositive();
  }

  private static UsageEvent event(@Nullable String model, TokenUsage tokens, Cost cost) {
    return UsageEvent.builder("chat").occurredAt(AT).model(model).tokens(tokens).cost(cost).build();
  }
}
