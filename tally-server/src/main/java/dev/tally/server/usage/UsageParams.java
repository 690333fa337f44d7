package dev.tally.server.usage;

import dev.tally.core.query.GroupField;
import dev.tally.core.query.Window;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Parses the query parameters of the usage API into values the ledger understands. Every error is
 * an {@link IllegalArgumentException} that names the parameter and the value (answered with 400).
 */
@Component
class UsageParams {
  static final Duration DEFAULT_RANGE = Duration.ofHours(24);

  /** The {@code window} of a report without buckets: totals only. */
  static final String NO_WINDOW = "none";

  private final Clock clock;

  UsageParams(Clock clock) {
    this.clock = clock;
  }

  /** A half-open interval. */
  record Range(Instant from, Instant to) {}

  /**
   * {@code [from, to)}: defaults to the 24 hours before now; a date means its start in {@code
   * zone}.
   */
  Range range(@Nullable String from, @Nullable String to, ZoneId zone) {
    Instant end = to == null ? clock.instant() : instant("to", to, zone);
    Instant start = from == null ? end.minus(DEFAULT_RANGE) : instant("from", from, zone);
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException(
          "from must be before to, was from=" + start + " and to=" + end);
    }
    return new Range(start, end);
  }

  ZoneId zone(@Nullable String tz) {
    if (tz == null || tz.isBlank()) {
      return ZoneId.of("UTC");
    }
    try {
      return ZoneId.of(tz);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "tz must be a time zone like UTC or Europe/Berlin, was '" + tz + "'");
    }
  }

  /** {@code minute}, {@code hour} (default), {@code day}, {@code month}, or {@code none}. */
  @Nullable Window window(@Nullable String window) {
    if (window == null || window.isBlank()) {
      return Window.HOUR;
    }
    if (window.trim().equalsIgnoreCase(NO_WINDOW)) {
      return null;
    }
    for (Window w : Window.values()) {
      if (w.name().equalsIgnoreCase(window.trim())) {
        return w;
      }
    }
    throw new IllegalArgumentException(
        "window must be one of "
            + Arrays.stream(Window.values())
                .map(w -> w.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "))
            + ", none; was '"
            + window
            + "'");
  }

  /** A comma-separated list of group fields. */
  List<GroupField> groupBy(@Nullable String groupBy) {
    List<GroupField> fields = new ArrayList<>();
    if (groupBy == null || groupBy.isBlank()) {
      return fields;
    }
    for (String name : groupBy.split(",")) {
      fields.add(GroupField.parse("groupBy", name));
    }
    return fields;
  }

  int limit(@Nullable Integer limit) {
    return limit == null ? 100 : limit;
  }

  private static Instant instant(String parameter, String value, ZoneId zone) {
    try {
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(zone).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          parameter
              + " must be an instant like 2026-11-27T10:00:00Z or a date like 2026-11-27, was '"
              + value
              + "'");
    }
  }
}
