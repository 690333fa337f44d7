package dev.tally.core.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.TokenUsage;
import dev.tally.core.UsageContext;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSource;
import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        PricingSink.price(event("free", TokenUsage.reported(100, 50), Map.of()), catalog);

    assertThat(priced.attributes())
        .containsEntry(Cost.AMOUNT_ATTRIBUTE, "0.00000000")
        .containsEntry(Cost.CURRENCY_ATTRIBUTE, "USD")
        .containsEntry(Cost.VERSION_ATTRIBUTE, "v7");
  }

  @Test
  void anUnknownModelIsLeftUnpricedNotZero() {
    UsageEvent priced =
        PricingSink.price(event("unknown", TokenUsage.reported(100, 50), Map.of()), catalog);

    assertThat(priced.attributes()).doesNotContainKey(Cost.AMOUNT_ATTRIBUTE);
  }

  @Test
  void aCallerSuppliedZeroWithoutPriceVersionIsRepricedFromTheCatalog() {
    UsageEvent zero =
        event(
            "paid",
            TokenUsage.reported(1_000_000, 0),
            Map.of(Cost.AMOUNT_ATTRIBUTE, "0", Cost.CURRENCY_ATTRIBUTE, "USD"));

    UsageEvent priced = PricingSink.price(zero, catalog);

    assertThat(priced.attributes())
        .containsEntry(Cost.AMOUNT_ATTRIBUTE, "1.00000000")
        .containsEntry(Cost.VERSION_ATTRIBUTE, "v7");
  }

  @Test
  void aCallerSuppliedZeroOnAnUnknownModelBecomesUnpriced() {
    UsageEvent zero =
        event("unknown", TokenUsage.estimated(10, 10), Map.of(Cost.AMOUNT_ATTRIBUTE, "0.00"));

    assertThat(PricingSink.price(zero, catalog).attributes())
        .doesNotContainKey(Cost.AMOUNT_ATTRIBUTE);
  }

  @Test
  void aCallerSuppliedNonZeroCostIsKept() {
    UsageEvent given =
        event("paid", TokenUsage.reported(10, 10), Map.of(Cost.AMOUNT_ATTRIBUTE, "0.5"));

    assertThat(PricingSink.price(given, catalog).attributes())
        .containsEntry(Cost.AMOUNT_ATTRIBUTE, "0.5");
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
    List<Map<String, String>> given =
        List.of(
            Map.of(),
            Map.of(Cost.AMOUNT_ATTRIBUTE, "0"),
            Map.of(Cost.AMOUNT_ATTRIBUTE, "0.000", Cost.CURRENCY_ATTRIBUTE, "EUR"),
            Map.of(Cost.AMOUNT_ATTRIBUTE, "0", Cost.VERSION_ATTRIBUTE, "caller-v1"),
            Map.of(Cost.AMOUNT_ATTRIBUTE, "0.25"));
    for (String model : models) {
      for (TokenUsage usage : usages) {
        for (Map<String, String> attributes : given) {
          events.add(event(model, usage, attributes));
        }
      }
    }
    // Streams too: a stream cancelled before its usage chunk is estimated, then priced.
    UsageTracker tracker = UsageTracker.builder(events::add).build();
    for (String model : models) {
      UsageStream stream = tracker.startStream("chat", UsageContext.of("u").withModel(model));
      stream.prompt("a prompt").delivered("some delivered text").cancel();
    }

    for (UsageEvent event : events) {
      UsageEvent priced = PricingSink.price(event, catalog);
      String amount = priced.attributes().get(Cost.AMOUNT_ATTRIBUTE);
      boolean zero = amount != null && new BigDecimal(amount).signum() == 0;
      if (priced.tokens().total() > 0 && zero) {
        assertThat(priced.attributes())
            .as("tokens %s, cost 0 of model %s", priced.tokens(), priced.model())
            .containsKey(Cost.VERSION_ATTRIBUTE);
      }
      if (priced.tokens().total() > 0 && amount == null) {
        assertThat(priced.model())
            .as("unpriced although the catalog prices it")
            .isNotIn("paid", "free");
      }
    }
  }

  private static UsageEvent event(
      @Nullable String model, TokenUsage tokens, Map<String, String> attributes) {
    return UsageEvent.builder("chat")
        .occurredAt(AT)
        .model(model)
        .tokens(tokens)
        .attributes(attributes)
        .build();
  }
}
