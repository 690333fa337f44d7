package dev.tally.jdbc.internal;

import dev.tally.core.UsageEvent;
import dev.tally.core.UsageRejectedException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The column values of one event, computed once before the insert. */
record EventRow(
    UsageEvent event,
    long occurredAtNs,
    long hourStartNs,
    int durationBucket,
    long durationNs,
    @Nullable String attributesJson,
    @Nullable String cost,
    @Nullable Long costNanos,
    @Nullable String currency,
    @Nullable String priceVersion) {

  static final String COST_ATTRIBUTE = "tally.cost";
  static final String CURRENCY_ATTRIBUTE = "tally.currency";
  static final String PRICE_VERSION_ATTRIBUTE = "tally.price_version";

  /** The currency code recorded for a cost given without a currency (ISO 4217 "no currency"). */
  static final String NO_CURRENCY = "XXX";

  static final long NANOS_PER_HOUR = 3_600_000_000_000L;
  private static final Pattern CURRENCY = Pattern.compile("[A-Za-z0-9]{1,16}");
  private static final Logger log = LoggerFactory.getLogger(EventRow.class);
  private static volatile boolean warnedBadCost;

  static EventRow of(UsageEvent e) {
    long at = epochNanos("occurredAt", e.occurredAt());
    long durationNs;
    try {
      durationNs = e.duration().toNanos();
    } catch (ArithmeticException ex) {
      throw new UsageRejectedException(
          "duration must be at most 292 years, was " + e.duration() + " (event " + e.id() + ")");
    }
    String cost = null;
    Long costNanos = null;
    String currency = null;
    String rawCost = e.attributes().get(COST_ATTRIBUTE);
    if (rawCost != null) {
      try {
        BigDecimal amount = new BigDecimal(rawCost.trim());
        if (amount.signum() < 0) {
          throw new NumberFormatException("negative");
        }
        costNanos = amount.setScale(9, RoundingMode.HALF_EVEN).unscaledValue().longValueExact();
        cost = amount.toPlainString();
        if (cost.length() > 64) {
          throw new NumberFormatException("too long");
        }
        String c = e.attributes().get(CURRENCY_ATTRIBUTE);
        if (c == null) {
          currency = NO_CURRENCY;
        } else if (CURRENCY.matcher(c).matches()) {
          currency = c.toUpperCase(java.util.Locale.ROOT);
        } else {
          throw new NumberFormatException("bad currency");
        }
      } catch (NumberFormatException | ArithmeticException ex) {
        // A bad cost never rejects the usage; the event is stored as unpriced and says so.
        String message =
            "Tally: event "
                + e.id()
                + " has an unusable cost attribute '"
                + rawCost
                + "' (currency '"
                + e.attributes().get(CURRENCY_ATTRIBUTE)
                + "'); stored as UNPRICED";
        if (!warnedBadCost) {
          warnedBadCost = true;
          log.warn(message);
        } else {
          log.debug(message);
        }
        cost = null;
        costNanos = null;
        currency = null;
      }
    }
    return new EventRow(
        e,
        at,
        Math.floorDiv(at, NANOS_PER_HOUR) * NANOS_PER_HOUR,
        DurationHistogram.bucketOf(durationNs),
        durationNs,
        AttributesCodec.encode(e.attributes()),
        cost,
        costNanos,
        currency,
        costNanos == null ? null : e.attributes().get(PRICE_VERSION_ATTRIBUTE));
  }

  /** Epoch nanoseconds; the schema covers the years 1677 to 2262. */
  static long epochNanos(String field, Instant instant) {
    try {
      return Math.addExact(
          Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    } catch (ArithmeticException ex) {
      throw new UsageRejectedException(
          field + " must be between 1677-09-22 and 2262-04-11, was " + instant);
    }
  }

  static Instant instantOf(long epochNanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
  }
}
