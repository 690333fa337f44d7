package dev.tally.server.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.server.ServerSettings;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class PriceCatalogFileTest {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final TokenUsage MILLION_IN_MILLION_OUT =
      new TokenUsage(1_000_000, 0, 0, 1_000_000, 0, UsageSource.REPORTED);

  static PriceCatalog read(String json) {
    return PriceCatalogFile.read(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.json", JSON);
  }

  static final String DATED =
      """
      {"version": "2026-11-01", "currency": "USD", "prices": [
        {"model": "gpt-x*", "effectiveFrom": "2025-01-01", "inputPerMillion": "2.00", "outputPerMillion": "8.00"},
        {"model": "gpt-x*", "effectiveFrom": "2026-03-01T12:00:00Z", "inputPerMillion": 1.5, "outputPerMillion": "6"},
        {"model": "gpt-x-mini", "effectiveFrom": "2025-01-01", "inputPerMillion": "0.10",
         "cachedInputPerMillion": "0.01", "outputPerMillion": "0.40", "currency": "EUR"}
      ]}
      """;

  @Test
  void aPriceChangeLeavesEarlierEventsAtTheOldPrice() {
    PriceCatalog catalog = read(DATED);
    Instant change = Instant.parse("2026-03-01T12:00:00Z");

    Cost before =
        catalog.cost("gpt-x-2", change.minus(Duration.ofSeconds(1)), MILLION_IN_MILLION_OUT);
    Cost after = catalog.cost("gpt-x-2", change, MILLION_IN_MILLION_OUT);

    assertThat(before.amount()).isEqualByComparingTo("10.00");
    assertThat(after.amount()).isEqualByComparingTo("7.50");
    assertThat(after.currency()).isEqualTo("USD");
    assertThat(after.priceVersion()).isEqualTo("2026-11-01");
  }

  @Test
  void anExactNameWinsOverAPatternAndPricesCachedTokensApart() {
    PriceCatalog catalog = read(DATED);
    TokenUsage usage = new TokenUsage(1_000_000, 1_000_000, 0, 0, 0, UsageSource.REPORTED);

    Cost cost = catalog.cost("gpt-x-mini", Instant.parse("2026-06-01T00:00:00Z"), usage);

    assertThat(cost.amount()).isEqualByComparingTo("0.11");
    assertThat(cost.currency()).isEqualTo("EUR");
  }

  @Test
  void anUnknownModelOrATimeBeforeEveryPriceIsUnpriced() {
    PriceCatalog catalog = read(DATED);

    assertThat(catalog.cost("claude-9", Instant.now(), MILLION_IN_MILLION_OUT))
        .isEqualTo(Cost.unpriced());
    assertThat(
            catalog.cost("gpt-x-2", Instant.parse("2024-12-31T23:59:59Z"), MILLION_IN_MILLION_OUT))
        .isEqualTo(Cost.unpriced());
  }

  @Test
  void errorsNameTheEntryAndTheField() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    {"version": "v", "currency": "USD", "prices": [
                      {"model": "a", "effectiveFrom": "2025-01-01", "inputPerMillion": "1", "outputPerMillion": "1"},
                      {"model": "b", "effectiveFrom": "2025-01-01", "inputPerMillion": "1"}
                    ]}
                    """))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("price catalog test.json: prices[1]: outputPerMillion must be set");
    assertThatThrownBy(
            () ->
                read(
                    """
                    {"version": "v", "currency": "USD", "prices": [
                      {"model": "a", "effectiveFrom": "1st of May", "inputPerMillion": "1", "outputPerMillion": "1"}
                    ]}
                    """))
        .hasMessageContaining("prices[0]: effectiveFrom must be a date like 2026-11-01")
        .hasMessageContaining("'1st of May'");
    assertThatThrownBy(
            () ->
                read(
                    """
                    {"version": "v", "currency": "USD", "prices": [
                      {"model": "a", "effectiveFrom": "2025-01-01", "inputPerMilion": "1", "outputPerMillion": "1"}
                    ]}
                    """))
        .hasMessageContaining("not valid JSON")
        .hasMessageContaining("inputPerMilion");
    assertThatThrownBy(
            () ->
                read(
                    """
                    {"version": "v", "prices": [
                      {"model": "a", "effectiveFrom": "2025-01-01", "inputPerMillion": "-1", "outputPerMillion": "1", "currency": "USD"}
                    ]}
                    """))
        .hasMessageContaining("prices[0]: price of a: inputPerMillion must be >= 0, was -1");
  }

  @Test
  void theShippedCatalogLoads() {
    PriceCatalog catalog =
        PriceCatalogFile.read(
            getClass().getClassLoader().getResourceAsStream(PricingConfiguration.DEFAULT_CATALOG),
            "shipped",
            JSON);

    assertThat(catalog.prices()).isNotEmpty();
    assertThat(catalog.priceFor("gpt-4o-mini-2024-07-18", Instant.parse("2026-01-01T00:00:00Z")))
        .hasValueSatisfying(p -> assertThat(p.model()).isEqualTo("gpt-4o-mini*"));
  }

  @Test
  void theEchoDemoPriceIsAddedUnlessTheCatalogPricesEchoOrItIsOff() {
    PriceCatalog catalog = read(DATED);
    ServerSettings.DemoPrice on =
        new ServerSettings.DemoPrice(true, new BigDecimal("1"), new BigDecimal("2"), "USD");
    ServerSettings.DemoPrice off =
        new ServerSettings.DemoPrice(false, new BigDecimal("1"), new BigDecimal("2"), "USD");

    PriceCatalog withDemo =
        PricingConfiguration.withEchoDemoPrice(
            catalog, new ServerSettings.Echo("echo", on, Duration.ZERO));
    PriceCatalog without =
        PricingConfiguration.withEchoDemoPrice(
            catalog, new ServerSettings.Echo("echo", off, Duration.ZERO));
    PriceCatalog alreadyPriced =
        PricingConfiguration.withEchoDemoPrice(
            catalog, new ServerSettings.Echo("gpt-x-mini", on, Duration.ZERO));

    assertThat(withDemo.cost("echo", Instant.now(), MILLION_IN_MILLION_OUT).amount())
        .isEqualByComparingTo("3");
    assertThat(without.cost("echo", Instant.now(), MILLION_IN_MILLION_OUT))
        .isEqualTo(Cost.unpriced());
    assertThat(alreadyPriced.prices()).hasSize(catalog.prices().size());
  }
}
