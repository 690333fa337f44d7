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
    byte[] id,
    long occurredAtNs,
    long hourStartNs,
    int durationBucket,
    long durationNs,
    @Nullable String cost,
    @Nullable Long costNanos,
    @Nullable String currency,
    @Nullable String priceVersion) {

  /**
   * An event's priced cost as the store keeps it: the exact decimal text, its value in units of
   * 10^-9 (half-even), the currency and the price version; or {@link #UNPRICED}.
   */
  record Priced(
      @Nullable String cost,
      @Nullable Long costNanos,
      @Nullable String currency,
      @Nullable String priceVersion) {
    static final Priced UNPRICED = new Priced(null, null, null, null);
  }

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
    Priced priced = priced(e);
    return new EventRow(
        e,
        EventIds.encode(e.id()),
        at,
        Math.floorDiv(at, NANOS_PER_HOUR) * NANOS_PER_HOUR,
        DurationHistogram.bucketOf(durationNs),
        durationNs,
        priced.cost(),
        priced.costNanos(),
        priced.currency(),
        priced.priceVersion());
  }

  /**
   * The one place the store reads an event's cost. Until tally-core carries a typed cost, it comes
   * from the attributes {@code tally.cost}, {@code tally.currency} and {@code tally.price_version};
   * an unusable cost never rejects the usage: the event is unpriced and the store says so once at
   * WARN.
   */
  static Priced priced(UsageEvent e) {
    String rawCost = e.attributes().get(COST_ATTRIBUTE);
    if (rawCost == null) {
      return Priced.UNPRICED;
    }
    try {
      BigDecimal amount = new BigDecimal(rawCost.trim());
      if (amount.signum() < 0) {
        throw new NumberFormatException("negative");
      }
      long costNanos = amount.setScale(9, RoundingMode.HALF_EVEN).unscaledValue().longValueExact();
      String cost = amount.toPlainString();
      if (cost.length() > 64) {
        throw new NumberFormatException("too long");
      }
      String c = e.attributes().get(CURRENCY_ATTRIBUTE);
      String currency;
      if (c == null) {
        currency = NO_CURRENCY;
      } else if (CURRENCY.matcher(c).matches()) {
        currency = c.toUpperCase(java.util.Locale.ROOT);
      } else {
        throw new NumberFormatException("bad currency");
      }
      return new Priced(cost, costNanos, currency, e.attributes().get(PRICE_VERSION_ATTRIBUTE));
    } catch (NumberFormatException | ArithmeticException ex) {
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
      return Priced.UNPRICED;
    }
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
