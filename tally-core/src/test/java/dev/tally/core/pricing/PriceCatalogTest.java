package dev.tally.core.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.sink.UsageSink;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PriceCatalogTest {
  private static final Instant JAN = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant JUN = Instant.parse("2026-06-01T00:00:00Z");

  private static BigDecimal d(String v) {
    return new BigDecimal(v);
  }

  private final PriceCatalog catalog =
      PriceCatalog.of(
          "2026-06",
          List.of(
              ModelPrice.of(
                  "gpt-4o-mini", JAN, "USD", d("0.15"), d("0.075"), null, d("0.60"), null),
              ModelPrice.of("gpt-4o-mini", JUN, "USD", d("0.10"), d("0.05"), null, d("0.40"), null),
              ModelPrice.of("gpt-4o*", JAN, "USD", d("2.50"), null, null, d("10.00"), null),
              ModelPrice.of("o3*", JAN, "USD", d("2.00"), d("0.50"), null, d("8.00"), d("8.00"))));

  @Test
  void costIsExactPerCategory() {
    TokenUsage usage = new TokenUsage(1_000, 2_000, 0, 500, 0, UsageSource.REPORTED);

    Cost cost = catalog.cost("gpt-4o-mini", JAN.plusSeconds(60), usage);

    // 1000*0.15 + 2000*0.075 + 500*0.60 = 150 + 150 + 300 = 600 per million -> 0.0006
    assertThat(cost.amount()).isEqualByComparingTo("0.0006");
    assertThat(cost.amount().scale()).isEqualTo(PriceCatalog.SCALE);
    assertThat(cost.currency()).isEqualTo("USD");
    assertThat(cost.priceVersion()).isEqualTo("2026-06");
  }

  @Test
  void anEventFromBeforeAPriceChangeKeepsTheOldPrice() {
    TokenUsage usage = TokenUsage.reported(1_000_000, 0);

    assertThat(catalog.cost("gpt-4o-mini", JUN.minusSeconds(1), usage).amount())
        .isEqualByComparingTo("0.15");
    assertThat(catalog.cost("gpt-4o-mini", JUN, usage).amount()).isEqualByComparingTo("0.10");
  }

  @Test
  void exactNamesWinOverPatternsAndPatternsMatchFamilies() {
    TokenUsage usage = TokenUsage.reported(1_000_000, 0);
    assertThat(catalog.cost("gpt-4o-2024-08-06", JUN, usage).amount()).isEqualByComparingTo("2.50");
    assertThat(catalog.cost("gpt-4o-mini", JUN, usage).amount()).isEqualByComparingTo("0.10");
  }

  @Test
  void reasoningTokensArePricedSeparately() {
    TokenUsage usage = new TokenUsage(0, 0, 0, 100, 900, UsageSource.REPORTED);
    assertThat(catalog.cost("o3-mini", JUN, usage).amount()).isEqualByComparingTo("0.008");
  }

  @Test
  void unknownModelMissingUsageAndTimesBeforeAnyPriceAreUnpricedNeverZero() {
    assertThat(catalog.cost("llama-3", JUN, TokenUsage.reported(10, 10)))
        .isEqualTo(Cost.unpriced());
    assertThat(catalog.cost(null, JUN, TokenUsage.reported(10, 10))).isEqualTo(Cost.unpriced());
    assertThat(catalog.cost("gpt-4o-mini", JUN, TokenUsage.missing())).isEqualTo(Cost.unpriced());
    assertThat(catalog.cost("gpt-4o-mini", JAN.minusSeconds(1), TokenUsage.reported(1, 1)))
        .isEqualTo(Cost.unpriced());
  }

  @Test
  void badPricesAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> ModelPrice.of("m", JAN, "usd", d("1"), null, null, d("1"), null))
        .hasMessage("currency must be a 3-letter ISO 4217 code, was \"usd\"");
    assertThatThrownBy(() -> ModelPrice.of("m", JAN, "USD", d("-1"), null, null, d("1"), null))
        .hasMessage("price of m: inputPerMillion must be >= 0, was -1");
  }

  @Test
  void pricingSinkStampsCostAttributesAndLeavesUnpricedEventsAlone() {
    List<UsageEvent> stored = new ArrayList<>();
    UsageSink store =
        batch -> {
          stored.addAll(batch);
          return CompletableFuture.completedFuture(null);
        };
    PricingSink sink = new PricingSink(store, catalog);
    UsageEvent priced =
        UsageEvent.builder("chat")
            .occurredAt(JUN)
            .model("gpt-4o-mini")
            .tokens(TokenUsage.reported(1_000_000, 0))
            .build();
    UsageEvent unknown =
        UsageEvent.builder("chat")
            .occurredAt(JUN)
            .model("llama")
            .tokens(TokenUsage.reported(5, 5))
            .build();

    sink.export(List.of(priced, unknown)).join();
    sink.export(List.of(stored.get(0))).join();

    assertThat(stored.get(0).cost())
        .isEqualTo(Cost.of(new BigDecimal("0.10000000"), "USD", "2026-06"));
    assertThat(stored.get(0).attributes()).isEmpty();
    assertThat(stored.get(0).id()).isEqualTo(priced.id());
    assertThat(stored.get(1)).isSameAs(unknown);
    assertThat(stored.get(2)).isSameAs(stored.get(0));
  }

  @Test
  void wildcardsMatchAnySequenceAndEverythingElseLiterally() {
    assertThat(ModelPrice.wildcardMatch("gpt-4o*", "gpt-4o-mini-2024-07-18")).isTrue();
    assertThat(ModelPrice.wildcardMatch("gpt-4o*", "gpt-4o")).isTrue();
    assertThat(ModelPrice.wildcardMatch("gpt-4o*", "gpt-4")).isFalse();
    assertThat(ModelPrice.wildcardMatch("*-mini", "gpt-4o-mini")).isTrue();
    assertThat(ModelPrice.wildcardMatch("claude-*-sonnet-*", "claude-3-5-sonnet-20241022"))
        .isTrue();
    assertThat(ModelPrice.wildcardMatch("claude-*-sonnet-*", "claude-3-5-haiku-20241022"))
        .isFalse();
    // a part must not overlap the suffix it precedes
    assertThat(ModelPrice.wildcardMatch("a*ab*b", "aab")).isFalse();
    assertThat(ModelPrice.wildcardMatch("a*ab*b", "aabb")).isTrue();
    // regular-expression characters are literal
    assertThat(ModelPrice.wildcardMatch("m.1*", "mx1-large")).isFalse();
    assertThat(ModelPrice.wildcardMatch("m.1*", "m.1-large")).isTrue();
    assertThat(ModelPrice.wildcardMatch("*", "")).isTrue();
  }
}
