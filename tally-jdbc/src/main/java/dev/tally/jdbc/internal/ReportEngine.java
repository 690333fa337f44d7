package dev.tally.jdbc.internal;

import dev.tally.jdbc.GroupField;
import dev.tally.jdbc.QuerySource;
import dev.tally.jdbc.UsageQuery;
import dev.tally.jdbc.UsageReport;
import dev.tally.jdbc.UsageRow;
import dev.tally.jdbc.Window;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Answers usage queries. Bucket edges are computed in Java (so time zones and daylight saving come
 * from {@code java.time}); SQL sums rows per aligned time unit and group, binding every value, and
 * Java folds those units into buckets.
 */
public final class ReportEngine {
  private static final long SECOND = 1_000_000_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  public ReportEngine() {}

  /** Which source will answer, or an IllegalArgumentException saying why the asked one cannot. */
  public static QuerySource chooseSource(UsageQuery q, long[] edges) {
    String misaligned = null;
    for (long edge : edges) {
      if (Math.floorMod(edge, HOUR) != 0) {
        misaligned = EventRow.instantOf(edge).toString();
        break;
      }
    }
    return switch (q.source()) {
      case RAW -> QuerySource.RAW;
      case AUTO ->
          q.window() == Window.MINUTE || misaligned != null ? QuerySource.RAW : QuerySource.ROLLUPS;
      case ROLLUPS -> {
        if (q.window() == Window.MINUTE) {
          throw new IllegalArgumentException(
              "source ROLLUPS cannot answer window MINUTE: rollups are hourly; use source RAW or"
                  + " AUTO");
        }
        if (misaligned != null) {
          throw new IllegalArgumentException(
              "source ROLLUPS needs from, to and bucket edges on whole UTC hours, but bucket edge "
                  + misaligned
                  + " (from="
                  + q.from()
                  + ", to="
                  + q.to()
                  + ", zone="
                  + q.zone()
                  + ") is not; use source RAW or AUTO");
        }
        yield QuerySource.ROLLUPS;
      }
    };
  }

  /** The bucket edges in epoch nanoseconds: {@code from}, every boundary inside, {@code to}. */
  public static long[] edges(UsageQuery q) {
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

  public UsageReport report(Connection c, UsageQuery q) throws SQLException {
    long[] edges = edges(q);
    QuerySource source = chooseSource(q, edges);
    long from = edges[0];
    long to = edges[edges.length - 1];
    // The widest time unit that never straddles a bucket edge: SQL sums per unit, Java per bucket.
    long unit;
    long origin;
    boolean totals = edges.length == 2;
    if (totals) {
      unit = 1;
      origin = 0;
    } else {
      unit = 1;
      for (long candidate : new long[] {DAY, HOUR, MINUTE, SECOND}) {
        boolean fits = true;
        for (int i = 1; i < edges.length - 1 && fits; i++) {
          fits = Math.floorMod(edges[i], candidate) == 0;
        }
        if (fits) {
          unit = candidate;
          break;
        }
      }
      origin = Math.floorDiv(from, unit) * unit;
    }
    boolean raw = source == QuerySource.RAW;
    List<GroupField> groupBy = q.groupBy();
    StringBuilder sql = new StringBuilder("SELECT ");
    if (totals) {
      sql.append("0");
    } else {
      sql.append('(').append(raw ? "occurred_at_ns" : "hour_start_ns").append(" - ?) / ?");
    }
    for (GroupField g : groupBy) {
      sql.append(", ").append(column(g, raw));
    }
    if (raw) {
      sql.append(
          ", COALESCE(currency, ''), duration_bucket, COUNT(*),"
              + " SUM(CASE WHEN outcome = 'ERROR' THEN 1 ELSE 0 END),"
              + " SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),"
              + " SUM(output_tokens), SUM(reasoning_tokens),"
              + " SUM(CASE WHEN token_source = 'MISSING' THEN 1 ELSE 0 END),"
              + " COALESCE(SUM(cost_nanos), 0), SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END),"
              + " SUM(duration_ns / 1000), MAX(duration_ns)"
              + " FROM tally_event WHERE occurred_at_ns >= ? AND occurred_at_ns < ?");
    } else {
      sql.append(
          ", currency, SUM(requests), SUM(errors), SUM(input_tokens), SUM(cached_input_tokens),"
              + " SUM(cache_write_tokens), SUM(output_tokens), SUM(reasoning_tokens),"
              + " SUM(tokens_missing), SUM(cost_nanos), SUM(unpriced), SUM(duration_sum_us),"
              + " MAX(duration_max_ns)");
      for (int i = 0; i < DurationHistogram.BUCKETS; i++) {
        sql.append(", SUM(").append(EventWriter.histogramColumn(i)).append(')');
      }
      sql.append(" FROM tally_rollup_hour WHERE hour_start_ns >= ? AND hour_start_ns < ?");
    }
    List<String> filterValues = new ArrayList<>();
    for (Map.Entry<GroupField, String> f : q.filters().entrySet()) {
      sql.append(" AND ").append(column(f.getKey(), raw)).append(" = ?");
      filterValues.add(f.getValue());
    }
    int groupColumns = 1 + groupBy.size() + 1 + (raw ? 1 : 0);
    sql.append(" GROUP BY 1");
    for (int i = 2; i <= groupColumns; i++) {
      sql.append(", ").append(i);
    }

    Comparator<CellKey> order =
        Comparator.comparingInt(CellKey::bucket)
            .thenComparing(CellKey::values, ReportEngine::compareLists);
    TreeMap<CellKey, Measures> cells = new TreeMap<>(order);
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int p = 1;
      if (!totals) {
        ps.setLong(p++, origin);
        ps.setLong(p++, unit);
      }
      ps.setLong(p++, from);
      ps.setLong(p++, to);
      for (String v : filterValues) {
        ps.setString(p++, v);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int col = 1;
          int bucket = 0;
          long unitIndex = rs.getLong(col++);
          if (!totals) {
            bucket = Arrays.binarySearch(edges, 0, edges.length - 1, origin + unitIndex * unit);
            if (bucket < 0) {
              bucket = Math.max(0, -bucket - 2);
            }
          }
          List<String> values = new ArrayList<>(groupBy.size());
          for (int i = 0; i < groupBy.size(); i++) {
            String v = rs.getString(col++);
            values.add(v == null ? "" : v);
          }
          String currency = rs.getString(col++);
          Measures m = cells.computeIfAbsent(new CellKey(bucket, values), k -> new Measures());
          int durationBucket = raw ? rs.getInt(col++) : -1;
          long requests = rs.getLong(col++);
          m.requests += requests;
          m.errors += rs.getLong(col++);
          m.input += rs.getLong(col++);
          m.cachedInput += rs.getLong(col++);
          m.cacheWrite += rs.getLong(col++);
          m.output += rs.getLong(col++);
          m.reasoning += rs.getLong(col++);
          m.tokensMissing += rs.getLong(col++);
          long cost = rs.getLong(col++);
          if (currency != null && !currency.isEmpty()) {
            m.costByCurrency.merge(currency, cost, Long::sum);
          }
          m.unpriced += rs.getLong(col++);
          m.durationSumUs += rs.getLong(col++);
          m.durationMaxNs = Math.max(m.durationMaxNs, rs.getLong(col++));
          if (raw) {
            m.histogram[durationBucket] += requests;
          } else {
            for (int i = 0; i < DurationHistogram.BUCKETS; i++) {
              m.histogram[i] += rs.getLong(col++);
            }
          }
        }
      }
    }
    List<UsageRow> rows = new ArrayList<>(cells.size());
    for (Map.Entry<CellKey, Measures> cell : cells.entrySet()) {
      CellKey key = cell.getKey();
      Map<GroupField, String> group = new LinkedHashMap<>();
      for (int i = 0; i < groupBy.size(); i++) {
        group.put(groupBy.get(i), key.values().get(i));
      }
      rows.add(
          new UsageRow(
              EventRow.instantOf(edges[key.bucket()]),
              EventRow.instantOf(edges[key.bucket() + 1]),
              Collections.unmodifiableMap(group),
              cell.getValue().toMeasures()));
    }
    return new UsageReport(q, source, rows);
  }

  /** The column of an allow-listed field; the only way a field reaches SQL text. */
  static String column(GroupField field, boolean raw) {
    return switch (field) {
      case SUBJECT -> "subject";
      case OPERATION -> "operation";
      case MODEL -> raw ? "COALESCE(model, '')" : "model";
      case OUTCOME -> "outcome";
    };
  }

  private static int compareLists(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private record CellKey(int bucket, List<String> values) {}
}
