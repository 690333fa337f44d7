package dev.tally.jdbc.internal;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageRejectedException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The column values of one event, computed once before the insert. The cost columns come from the
 * event's typed {@link dev.tally.core.event.Cost}; attributes never price anything.
 */
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

  static final long NANOS_PER_HOUR = 3_600_000_000_000L;
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
    BigDecimal amount = e.cost().amount();
    if (amount != null) {
      try {
        // The typed cost is valid (>= 0, a currency); what the columns cannot hold is stored as
        // unpriced rather than rejecting the usage.
        costNanos = amount.setScale(9, RoundingMode.HALF_EVEN).unscaledValue().longValueExact();
        cost = amount.toPlainString();
        if (cost.length() > 64) {
          throw new ArithmeticException("longer than 64 characters");
        }
      } catch (ArithmeticException ex) {
        String message =
            "Tally: event "
                + e.id()
                + " has a cost the store cannot hold ("
                + e.cost()
                + ": "
                + ex.getMessage()
                + "); stored as UNPRICED";
        if (!warnedBadCost) {
          warnedBadCost = true;
          log.warn(message);
        } else {
          log.debug(message);
        }
        cost = null;
        costNanos = null;
      }
    }
    return new EventRow(
        e,
        EventIds.encode(e.id()),
        at,
        Math.floorDiv(at, NANOS_PER_HOUR) * NANOS_PER_HOUR,
        DurationHistogram.bucketOf(durationNs),
        durationNs,
        cost,
        costNanos,
        costNanos == null ? null : e.cost().currency(),
        costNanos == null ? null : e.cost().priceVersion());
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
