package dev.tally.server.pricing;

import dev.tally.core.pricing.ModelPrice;
import dev.tally.core.pricing.PriceCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a price catalog file:
 *
 * <pre>{@code
 * {
 *   "version": "2026-11-01",
 *   "currency": "USD",
 *   "prices": [
 *     {"model": "gpt-4o-mini*", "effectiveFrom": "2024-07-18",
 *      "inputPerMillion": "0.15", "cachedInputPerMillion": "0.075", "outputPerMillion": "0.60"}
 *   ]
 * }
 * }</pre>
 *
 * <p>{@code model} is an exact name or a {@code *} pattern; {@code effectiveFrom} a date (midnight
 * UTC) or an instant; an optional {@code note} is ignored; prices are per million tokens, as
 * strings or numbers (read exactly, as BigDecimal). {@code currency} on an entry overrides the
 * file's. Cached input and cache write default to the input price, reasoning to the output price.
 * Errors name the entry and field.
 */
public final class PriceCatalogFile {

  /** The file as written. */
  record CatalogJson(
      @Nullable String version,
      @Nullable String currency,
      @Nullable String note,
      @Nullable List<EntryJson> prices) {}

  /** One entry as written. */
  record EntryJson(
      @Nullable String model,
      @Nullable String effectiveFrom,
      @Nullable String currency,
      @Nullable BigDecimal inputPerMillion,
      @Nullable BigDecimal cachedInputPerMillion,
      @Nullable BigDecimal cacheWritePerMillion,
      @Nullable BigDecimal outputPerMillion,
      @Nullable BigDecimal reasoningPerMillion,
      @Nullable String note) {}

  private PriceCatalogFile() {}

  /**
   * Reads a catalog.
   *
   * @param source names the file in error messages
   * @throws IllegalArgumentException naming the source, the entry and the field that is wrong
   */
  public static PriceCatalog read(InputStream in, String source, JsonMapper json) {
    CatalogJson file;
    try (in) {
      // Strict, so that a misspelt price field is an error rather than a silently missing price.
      file =
          json.rebuild()
              .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .build()
              .readValue(in, CatalogJson.class);
    } catch (JacksonException | IOException e) {
      throw new IllegalArgumentException(
          "price catalog " + source + " is not valid JSON: " + e.getMessage(), e);
    }
    if (file.version() == null || file.version().isBlank()) {
      throw new IllegalArgumentException("price catalog " + source + ": version must be set");
    }
    if (file.prices() == null) {
      throw new IllegalArgumentException("price catalog " + source + ": prices must be a list");
    }
    List<ModelPrice> prices = new ArrayList<>(file.prices().size());
    for (int i = 0; i < file.prices().size(); i++) {
      String where = "price catalog " + source + ": prices[" + i + "]";
      EntryJson e = file.prices().get(i);
      if (e == null) {
        throw new IllegalArgumentException(where + " must not be null");
      }
      try {
        prices.add(entry(e, file.currency(), where));
      } catch (IllegalArgumentException | NullPointerException ex) {
        throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
      }
    }
    return PriceCatalog.of(file.version(), prices);
  }

  private static ModelPrice entry(EntryJson e, @Nullable String fileCurrency, String where) {
    String currency = e.currency() != null ? e.currency() : fileCurrency;
    if (e.model() == null) {
      throw new IllegalArgumentException("model must be set");
    }
    if (e.inputPerMillion() == null) {
      throw new IllegalArgumentException("inputPerMillion must be set");
    }
    if (e.outputPerMillion() == null) {
      throw new IllegalArgumentException("outputPerMillion must be set");
    }
    if (currency == null) {
      throw new IllegalArgumentException("currency must be set on the entry or the file");
    }
    return ModelPrice.of(
        e.model(),
        effectiveFrom(e.effectiveFrom()),
        currency,
        e.inputPerMillion(),
        e.cachedInputPerMillion(),
        e.cacheWritePerMillion(),
        e.outputPerMillion(),
        e.reasoningPerMillion());
  }

  static Instant effectiveFrom(@Nullable String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("effectiveFrom must be set");
    }
    try {
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException ex) {
      throw new IllegalArgumentException(
          "effectiveFrom must be a date like 2026-11-01 or an instant like 2026-11-01T00:00:00Z,"
              + " was '"
              + value
              + "'",
          ex);
    }
  }
}
