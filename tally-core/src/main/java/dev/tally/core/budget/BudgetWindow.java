package dev.tally.core.budget;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Objects;

/**
 * The period a budget's limit applies to: a calendar day, ISO week (Monday first) or month in a
 * time zone, or a rolling number of hours. {@link #at(Instant)} computes the window containing an
 * instant; nothing has to run at midnight for a budget to reset. Calendar windows follow the zone's
 * rules, so a day across a daylight-saving change is 23 or 25 hours long.
 */
public sealed interface BudgetWindow {

  /** The window that contains {@code instant}. */
  Interval at(Instant instant);

  /** A calendar day in {@code zone}. */
  static BudgetWindow day(ZoneId zone) {
    return new Calendar(Unit.DAY, zone);
  }

  /** An ISO week (Monday 00:00 to Monday 00:00) in {@code zone}. */
  static BudgetWindow week(ZoneId zone) {
    return new Calendar(Unit.WEEK, zone);
  }

  /** A calendar month in {@code zone}. */
  static BudgetWindow month(ZoneId zone) {
    return new Calendar(Unit.MONTH, zone);
  }

  /** The last {@code hours} hours, ending now. */
  static BudgetWindow rollingHours(int hours) {
    return new Rolling(Duration.ofHours(hours));
  }

  /** Calendar units. */
  enum Unit {
    DAY,
    WEEK,
    MONTH
  }

  /** A calendar window in a zone. */
  record Calendar(Unit unit, ZoneId zone) implements BudgetWindow {
    public Calendar {
      Objects.requireNonNull(unit, "unit must not be null");
      Objects.requireNonNull(zone, "zone must not be null");
    }

    @Override
    public Interval at(Instant instant) {
      LocalDate date = instant.atZone(zone).toLocalDate();
      LocalDate first =
          switch (unit) {
            case DAY -> date;
            case WEEK -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> date.withDayOfMonth(1);
          };
      LocalDate next =
          switch (unit) {
            case DAY -> first.plusDays(1);
            case WEEK -> first.plusWeeks(1);
            case MONTH -> first.plusMonths(1);
          };
      // atStartOfDay(zone) picks the first valid instant of the day, even where midnight is
      // skipped.
      ZonedDateTime start = first.atStartOfDay(zone);
      ZonedDateTime end = next.atStartOfDay(zone);
      return new Interval(start.toInstant(), end.toInstant());
    }
  }

  /**
   * A rolling window of fixed length ending at the instant asked about. It has no reset: spend
   * leaves it as it ages, and its "end" is the instant itself.
   */
  record Rolling(Duration length) implements BudgetWindow {
    public Rolling {
      if (length == null || length.isNegative() || length.isZero()) {
        throw new IllegalArgumentException("rolling window must be > 0, was " + length);
      }
    }

    @Override
    public Interval at(Instant instant) {
      return new Interval(instant.minus(length), instant);
    }
  }

  /** A half-open interval [start, end). */
  record Interval(Instant start, Instant end) {
    public Interval {
      if (!start.isBefore(end)) {
        throw new IllegalArgumentException(
            "start must be before end, was " + start + " and " + end);
      }
    }

    public boolean contains(Instant instant) {
      return !instant.isBefore(start) && instant.isBefore(end);
    }

    public Duration length() {
      return Duration.between(start, end);
    }
  }
}
