package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.Cost;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageValidationException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class CostTest {

  @Test
  void anEventIsUnpricedUntilACostIsSet() {
    UsageEvent event = UsageEvent.builder("chat").build();

    assertThat(event.cost()).isEqualTo(Cost.unpriced());
    assertThat(event.cost().isPriced()).isFalse();
    assertThat(event.cost()).hasToString("UNPRICED");
  }

  @Test
  void aCostKeepsItsExactAmountAndUpperCasesTheCurrency() {
    Cost cost = Cost.of(new BigDecimal("0.00012500"), "usd", "2026-06");

    assertThat(cost.amount()).hasToString("0.00012500");
    assertThat(cost.currency()).isEqualTo("USD");
    assertThat(cost.isPriced()).isTrue();
    assertThat(cost).hasToString("0.00012500 USD (prices 2026-06)");
  }

  @Test
  void onlyAZeroWithoutPriceVersionIsAnUnversionedZero() {
    assertThat(Cost.of(BigDecimal.ZERO, "USD").isUnversionedZero()).isTrue();
    assertThat(Cost.of(BigDecimal.ZERO, "USD", "v1").isUnversionedZero()).isFalse();
    assertThat(Cost.of(BigDecimal.ONE, "USD").isUnversionedZero()).isFalse();
    assertThat(Cost.unpriced().isUnversionedZero()).isFalse();
  }

  @Test
  void badCostsAreRejectedNamingTheFieldAndValue() {
    assertThatThrownBy(() -> Cost.of(new BigDecimal("-0.01"), "USD"))
        .isInstanceOf(UsageValidationException.class)
        .hasMessage("cost.amount must be >= 0, was \"-0.01\"");
    assertThatThrownBy(() -> Cost.of(BigDecimal.ONE, "dollars"))
        .isInstanceOf(UsageValidationException.class)
        .hasMessage("cost.currency must be a 3-letter ISO 4217 code, was \"dollars\"");
    assertThatThrownBy(() -> Cost.of(BigDecimal.ONE, "USD", " "))
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("cost.priceVersion must be null or 1 to 256 non-blank characters");
    assertThatThrownBy(() -> new Cost(null, "USD", null))
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("cost.amount must be set when a currency or price version is");
    assertThatThrownBy(() -> UsageEvent.builder("chat").cost(null).build())
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("cost must not be null");
  }
}
