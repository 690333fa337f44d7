package dev.tally.core.query;

import dev.tally.core.event.Outcome;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A usage query over the half-open interval {@code [from, to)}: totals when {@code window} is null,
 * otherwise a time series with one bucket per window; grouped by any of the {@link GroupField}s and
 * filtered on them. Build one with {@link #builder(Instant, Instant)}.
 *
 * @param from inclusive start
 * @param to exclusive end, after {@code from}
 * @param window bucket width, or null for one bucket covering the whole interval
 * @param zone the time zone of {@link Window#DAY} and {@link Window#MONTH} buckets; default UTC
 * @param groupBy fields to group by, without repeats, in the order given
 * @param filters equality filters, at most one value per field
 * @param exclusions values each field must not have (for example {@code operation} not {@code
 *     http}); an event is kept only if none of its fields holds an excluded value
 * @param source which table answers; default {@link QuerySource#AUTO}
 */
public record UsageQuery(
    Instant from,
    Instant to,
    @Nullable Window window,
    ZoneId zone,
    List<GroupField> groupBy,
    Map<GroupField, String> filters,
    Map<GroupField, Set<String>> exclusions,
    QuerySource source) {

  /** The most buckets one query may produce; a finer window over a longer range is refused. */
  public static final int MAX_BUCKETS = 10_000;

  private static final Set<String> OUTCOMES =
      Arrays.stream(Outcome.values()).map(Enum::name).collect(Collectors.toUnmodifiableSet());

  /**
   * @throws IllegalArgumentException naming the parameter and value that breaks a rule
   */
  public UsageQuery {
    if (from == null) {
      throw new IllegalArgumentException("from must not be null");
    }
    if (to == null) {
      throw new IllegalArgumentException("to must not be null");
    }
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(
          "from must be before to, was from=" + from + " and to=" + to);
    }
    if (zone == null) {
      throw new IllegalArgumentException("zone must not be null");
    }
    if (groupBy == null) {
      throw new IllegalArgumentException("groupBy must not be null");
    }
    if (new LinkedHashSet<>(groupBy).size() != groupBy.size()) {
      throw new IllegalArgumentException("groupBy must not repeat a field, was " + groupBy);
    }
    groupBy = List.copyOf(groupBy);
    if (filters == null) {
      throw new IllegalArgumentException("filters must not be null");
    }
    for (Map.Entry<GroupField, String> e : filters.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException("filters must not hold null, was " + filters);
      }
      if (e.getKey() == GroupField.OUTCOME && !OUTCOMES.contains(e.getValue())) {
        throw new IllegalArgumentException(
            "filter outcome must be SUCCESS, ERROR or CANCELLED, was '" + e.getValue() + "'");
      }
    }
    filters = filters.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(filters));
    exclusions = copyExclusions(exclusions);
    if (source == null) {
      throw new IllegalArgumentException("source must not be null");
    }
  }

  /**
   * The same query without a bucket width: its totals over the same interval, filters and
   * exclusions.
   */
  public UsageQuery totals() {
    return new UsageQuery(from, to, null, zone, List.of(), filters, exclusions, source);
  }

  /** Validates and copies exclusions; shared with {@link EventQuery}. */
  static Map<GroupField, Set<String>> copyExclusions(Map<GroupField, Set<String>> exclusions) {
    if (exclusions == null) {
      throw new IllegalArgumentException("exclusions must not be null");
    }
    Map<GroupField, Set<String>> copy = new EnumMap<>(GroupField.class);
    for (Map.Entry<GroupField, Set<String>> e : exclusions.entrySet()) {
      if (e.getKey() == null
          || e.getValue() == null
          || e.getValue().stream().anyMatch(Objects::isNull)) {
        throw new IllegalArgumentException("exclusions must not hold null, was " + exclusions);
      }
      if (!e.getValue().isEmpty()) {
        copy.put(e.getKey(), Set.copyOf(new TreeSet<>(e.getValue())));
      }
    }
    return copy.isEmpty() ? Map.of() : Map.copyOf(copy);
  }

  /** A builder for a query over {@code [from, to)}. */
  public static Builder builder(Instant from, Instant to) {
    return new Builder(from, to);
  }

  /** Builds a {@link UsageQuery}; {@link #build()} validates and names the offending value. */
  public static final class Builder {
    private final Instant from;
    private final Instant to;
    private @Nullable Window window;
    private ZoneId zone = ZoneOffset.UTC;
    private final List<GroupField> groupBy = new ArrayList<>();
    private final Map<GroupField, String> filters = new EnumMap<>(GroupField.class);
    private final Map<GroupField, Set<String>> exclusions = new EnumMap<>(GroupField.class);
    private QuerySource source = QuerySource.AUTO;

    private Builder(Instant from, Instant to) {
      this.from = from;
      this.to = to;
    }

    /** A time series with buckets of this width; null (the default) asks for totals. */
    public Builder window(@Nullable Window window) {
      this.window = window;
      return this;
    }

    /** The zone of DAY and MONTH buckets. Default UTC. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    public Builder groupBy(GroupField... fields) {
      groupBy.addAll(List.of(fields));
      return this;
    }

    public Builder groupBy(List<GroupField> fields) {
      groupBy.addAll(fields);
      return this;
    }

    /** Keeps only events whose field equals the value. */
    public Builder filter(GroupField field, String value) {
      filters.put(Objects.requireNonNull(field, "field"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Leaves out events whose field equals the value; may be called several times per field. For
     * example {@code exclude(OPERATION, "http")} counts operations without the HTTP middleware's
     * request events.
     */
    public Builder exclude(GroupField field, String value) {
      exclusions
          .computeIfAbsent(Objects.requireNonNull(field, "field"), f -> new TreeSet<>())
          .add(Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder source(QuerySource source) {
      this.source = source;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the parameter and value that breaks a rule
     */
    public UsageQuery build() {
      return new UsageQuery(from, to, window, zone, groupBy, filters, exclusions, source);
    }
  }
}
