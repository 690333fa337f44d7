package dev.tally.jdbc.internal;

import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.Window;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which rows answer a usage query: the bucket edges, the whole UTC hours the hourly rollups answer,
 * and the spans raw events answer. Rollups hold whole hours, so an hour is read from raw events
 * only when an edge cuts it: a bound off the hour (the dashboard's "now"), or a day or month edge
 * in a zone whose offset is not a whole number of hours (Asia/Kolkata, Asia/Kathmandu). A {@link
 * Window#MINUTE} window, or {@link QuerySource#RAW}, reads everything from raw events.
 *
 * @param source {@link QuerySource#ROLLUPS} when rollups answer at least one whole hour, else
 *     {@link QuerySource#RAW}
 * @param edges the bucket edges in epoch nanoseconds: {@code from}, every boundary inside, {@code
 *     to}
 * @param rollupFrom the first whole hour rollups answer (inclusive, epoch nanoseconds)
 * @param rollupTo the end of the whole hours rollups answer (exclusive); equal to {@code
 *     rollupFrom} when rollups answer nothing
 * @param cutHours the starts of hours inside {@code [rollupFrom, rollupTo)} that an inner edge
 *     cuts: rollup rows of these hours are skipped, raw spans answer them instead
 * @param rawSpans disjoint, ascending {@code [start, end)} pairs read from raw events
 */
record ReportPlan(
    QuerySource source,
    long[] edges,
    long rollupFrom,
    long rollupTo,
    Set<Long> cutHours,
    List<long[]> rawSpans) {
  static final long SECOND = 1_000_000_000L;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  /**
   * The plan of a query.
   *
   * @throws IllegalArgumentException when the query forces {@link QuerySource#ROLLUPS} and an edge
   *     is off the hour, or when it needs more than {@link UsageQuery#MAX_BUCKETS} buckets
   */
  static ReportPlan of(UsageQuery q) {
    long[] edges = edges(q);
    long from = edges[0];
    long to = edges[edges.length - 1];
    long misaligned = Long.MIN_VALUE;
    boolean anyMisaligned = false;
    for (long edge : edges) {
      if (Math.floorMod(edge, HOUR) != 0) {
        misaligned = edge;
        anyMisaligned = true;
        break;
      }
    }
    if (q.source() == QuerySource.ROLLUPS) {
      if (q.window() == Window.MINUTE) {
        throw new IllegalArgumentException(
            "source ROLLUPS cannot answer window MINUTE: rollups are hourly; use source RAW or"
                + " AUTO");
      }
      if (anyMisaligned) {
        throw new IllegalArgumentException(
            "source ROLLUPS needs from, to and bucket edges on whole UTC hours, but bucket edge "
                + EventRow.instantOf(misaligned)
                + " (from="
                + q.from()
                + ", to="
                + q.to()
                + ", zone="
                + q.zone()
                + ") is not; use source RAW or AUTO");
      }
    }
    if (q.source() == QuerySource.RAW || q.window() == Window.MINUTE) {
      return allRaw(edges);
    }
    if (!anyMisaligned) {
      return new ReportPlan(QuerySource.ROLLUPS, edges, from, to, Set.of(), List.of());
    }
    long rollupFrom = ceilHour(from);
    long rollupTo = floorHour(to);
    if (rollupFrom >= rollupTo) {
      return allRaw(edges);
    }
    Set<Long> cut = new HashSet<>();
    List<long[]> spans = new ArrayList<>();
    for (long edge : edges) {
      if (Math.floorMod(edge, HOUR) == 0) {
        continue;
      }
      long hour = floorHour(edge);
      if (hour >= rollupFrom && hour < rollupTo) {
        cut.add(hour);
      }
      long start = Math.max(hour, from);
      long end = Math.min(saturatedAdd(hour, HOUR), to);
      long[] last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
      if (last != null && start <= last[1]) {
        last[1] = Math.max(last[1], end);
      } else {
        spans.add(new long[] {start, end});
      }
    }
    return new ReportPlan(QuerySource.ROLLUPS, edges, rollupFrom, rollupTo, cut, spans);
  }

  private static ReportPlan allRaw(long[] edges) {
    long from = edges[0];
    long to = edges[edges.length - 1];
    return new ReportPlan(
        QuerySource.RAW, edges, from, from, Set.of(), List.<long[]>of(new long[] {from, to}));
  }

  boolean totals() {
    return edges.length == 2;
  }

  /** The raw spans as instants, for {@link UsageReport#rawSpans()}. */
  List<UsageReport.Span> spans() {
    return rawSpans.stream()
        .map(s -> new UsageReport.Span(EventRow.instantOf(s[0]), EventRow.instantOf(s[1])))
        .toList();
  }

  /**
   * The widest time unit that never straddles an inner bucket edge: SQL sums per unit, Java folds
   * units into buckets. 1 for totals.
   */
  long unit() {
    if (totals()) {
      return 1;
    }
    for (long candidate : new long[] {DAY, HOUR, MINUTE, SECOND}) {
      boolean fits = true;
      for (int i = 1; i < edges.length - 1 && fits; i++) {
        fits = Math.floorMod(edges[i], candidate) == 0;
      }
      if (fits) {
        return candidate;
      }
    }
    return 1;
  }

  /** The bucket of a unit that starts at {@code unitStart} (units never straddle an edge). */
  int bucket(long unitStart) {
    int bucket = java.util.Arrays.binarySearch(edges, 0, edges.length - 1, unitStart);
    return bucket < 0 ? Math.max(0, -bucket - 2) : bucket;
  }

  /** The bucket edges in epoch nanoseconds: {@code from}, every boundary inside, {@code to}. */
  static long[] edges(UsageQuery q) {
    long from = clampedNanos(q.from());
    long to = clampedNanos(q.to());
    List<Long> edges = new ArrayList<>();
    edges.add(from);
    Window w = q.window();
    if (w != null) {
      long cur = from;
      while (true) {
        long next = nextEdge(w, q, cur);
        if (next >= to) {
          break;
        }
        edges.add(next);
        cur = next;
        if (edges.size() > UsageQuery.MAX_BUCKETS) {
          throw new IllegalArgumentException(
              "window "
                  + w
                  + " is too fine for the range from="
                  + q.from()
                  + " to="
                  + q.to()
                  + ": it needs more than "
                  + UsageQuery.MAX_BUCKETS
                  + " buckets; use a coarser window or a shorter range");
        }
      }
    }
    edges.add(to);
    return edges.stream().mapToLong(Long::longValue).toArray();
  }

  private static long nextEdge(Window w, UsageQuery q, long cur) {
    switch (w) {
      case MINUTE:
        return Math.floorDiv(cur, MINUTE) * MINUTE + MINUTE;
      case HOUR:
        return Math.floorDiv(cur, HOUR) * HOUR + HOUR;
      default:
        Instant at = EventRow.instantOf(cur);
        LocalDate day = at.atZone(q.zone()).toLocalDate();
        LocalDate next = w == Window.DAY ? day.plusDays(1) : day.withDayOfMonth(1).plusMonths(1);
        ZonedDateTime start = next.atStartOfDay(q.zone());
        return clampedNanos(start.toInstant());
    }
  }

  /** Epoch nanoseconds, saturated at the ends of the {@code long} range. */
  static long clampedNanos(Instant instant) {
    try {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), SECOND), instant.getNano());
    } catch (ArithmeticException e) {
      return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The start of the hour holding {@code nanos}, saturated at {@link Long#MIN_VALUE}. */
  static long floorHour(long nanos) {
    long hours = Math.floorDiv(nanos, HOUR);
    return hours < Long.MIN_VALUE / HOUR ? Long.MIN_VALUE : hours * HOUR;
  }

  static long ceilHour(long nanos) {
    long floor = floorHour(nanos);
    return floor == nanos ? floor : saturatedAdd(floor, HOUR);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
