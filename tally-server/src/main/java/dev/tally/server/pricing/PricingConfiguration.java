package dev.tally.server.pricing;

import dev.tally.core.pricing.ModelPrice;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.server.ServerSettings;
import dev.tally.spring.autoconfigure.TallyProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The price catalog bean: the file named by {@code tally.pricing.catalog}, else the defaults
 * shipped in {@code tally/prices.json}, plus the echo model's demo price. Because this bean exists,
 * the starter prices every event before storing it; the chat API computes {@code usage.cost} with
 * the same catalog.
 */
@Configuration(proxyBeanMethods = false)
class PricingConfiguration {
  static final String DEFAULT_CATALOG = "tally/prices.json";

  private static final Logger log = LoggerFactory.getLogger(PricingConfiguration.class);

  @Bean
  PriceCatalog priceCatalog(TallyProperties tally, ServerSettings settings, JsonMapper json) {
    Path path = tally.getPricing().getCatalog();
    PriceCatalog catalog;
    if (path != null) {
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException(
            "tally.pricing.catalog names no readable file: " + path.toAbsolutePath());
      }
      try {
        catalog = PriceCatalogFile.read(Files.newInputStream(path), path.toString(), json);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read price catalog " + path, e);
      }
    } else {
      InputStream in =
          PricingConfiguration.class.getClassLoader().getResourceAsStream(DEFAULT_CATALOG);
      if (in == null) {
        throw new IllegalStateException(
            "the shipped price catalog " + DEFAULT_CATALOG + " is missing");
      }
      catalog = PriceCatalogFile.read(in, "classpath:" + DEFAULT_CATALOG, json);
    }
    catalog = withEchoDemoPrice(catalog, settings.model().echo());
    log.info(
        "price catalog {} with {} entries{}",
        catalog.version(),
        catalog.prices().size(),
        path == null ? " (shipped defaults)" : " from " + path);
    return catalog;
  }

  /** Adds the echo model's demo price unless it is off or the catalog already prices the model. */
  static PriceCatalog withEchoDemoPrice(PriceCatalog catalog, ServerSettings.Echo echo) {
    ServerSettings.DemoPrice demo = echo.demoPrice();
    boolean known = catalog.prices().stream().anyMatch(p -> p.matches(echo.name()));
    if (!demo.enabled() || known) {
      return catalog;
    }
    List<ModelPrice> prices = new ArrayList<>(catalog.prices());
    prices.add(
        ModelPrice.of(
            echo.name(),
            Instant.EPOCH,
            demo.currency(),
            demo.inputPerMillion(),
            null,
            null,
            demo.outputPerMillion(),
            null));
    return PriceCatalog.of(catalog.version(), prices);
  }
}
