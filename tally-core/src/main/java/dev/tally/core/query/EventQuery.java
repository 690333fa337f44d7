package dev.tally.core.query;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A page of raw events over {@code [from, to)}, ordered by occurrence time, then id. Build one with
 * {@link #builder(Instant, Instant)}.
 *
 * @param from inclusive start
 * @param to exclusive end, after {@code from}
 * @param filters equality filters, at most one value per field
 * @param exclusions values each field must not have, as in {@link UsageQuery#exclusions()}
 * @param limit the most events in a page, 1 to {@link #MAX_LIMIT}; default 100
 * @param cursor the {@link EventPage#nextCursor()} of the previous page, or null for the first page
 * @param newestFirst whether the newest events come first; default oldest first
 */
public record EventQuery(
    Instant from,
    Instant to,
    Map<GroupField, String> filters,
    Map<GroupField, Set<String>> exclusions,
    int limit,
    @Nullable String cursor,
    boolean newestFirst) {

  /** The largest page. */
  public static final int MAX_LIMIT = 1000;

  /**
   * @throws IllegalArgumentException naming the parameter and value that breaks a rule
   */
  public EventQuery {
    if (from == null || to == null) {
      throw new IllegalArgumentException("from and to must not be null, was " + from + ", " + to);
    }
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(
          "from must be before to, was from=" + from + " and to=" + to);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
    filters = filters.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(filters));
    exclusions = UsageQuery.copyExclusions(exclusions);
  }

  public static Builder builder(Instant from, Instant to) {
    return new Builder(from, to);
  }

  /** Builds an {@link EventQuery}. */
  public static final class Builder {
    private final Instant from;
    private final Instant to;
    private final Map<GroupField, String> filters = new EnumMap<>(GroupField.class);
    private final Map<GroupField, Set<String>> exclusions = new EnumMap<>(GroupField.class);
    private int limit = 100;
    private @Nullable String cursor;
    private boolean newestFirst;

    private Builder(Instant from, Instant to) {
      this.from = from;
      this.to = to;
    }

    public Builder filter(GroupField field, String value) {
      filters.put(Objects.requireNonNull(field, "field"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Leaves out events whose field equals the value; may be called several times per field. */
    public Builder exclude(GroupField field, String value) {
      exclusions
          .computeIfAbsent(Objects.requireNonNull(field, "field"), f -> new TreeSet<>())
          .add(Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder limit(int limit) {
      this.limit = limit;
      return this;
    }

    public Builder cursor(@Nullable String cursor) {
      this.cursor = cursor;
      return this;
    }

    /**
     * Lists the newest events first (default oldest first). A cursor continues in the order of the
     * query that returned it.
     */
    public Builder newestFirst(boolean newest) {
      this.newestFirst = newest;
      return this;
    }

    public EventQuery build() {
      return new EventQuery(from, to, filters, exclusions, limit, cursor, newestFirst);
    }
  }
}
