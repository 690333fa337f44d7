package dev.tally.jdbc.internal;

import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.UsageRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers usage queries. Bucket edges are computed in Java (so time zones and daylight saving come
 * from {@code java.time}); SQL sums rows per aligned time unit and group, binding every value, and
 * Java folds those units into buckets. Whole hours come from the hourly rollups and only the hours
 * an edge cuts from raw events ({@link ReportPlan}).
 */
public final class ReportEngine {
  private final AtomicLong rawScans = new AtomicLong();

  public ReportEngine() {}

  /**
   * How many raw-event scans this engine has run (one per raw span of each report): a test hook
   * that shows which table answered.
   */
  public long rawScans() {
    return rawScans.get();
  }

  /** Which source will answer, or an IllegalArgumentException saying why the asked one cannot. */
  public static QuerySource chooseSource(UsageQuery q) {
    return ReportPlan.of(q).source();
  }

  /** Epoch nanoseconds, saturated at the ends of the {@code long} range. */
  static long clampedNanos(Instant instant) {
    return ReportPlan.clampedNanos(instant);
  }

  public UsageReport report(Connection c, UsageQuery q) throws SQLException {
    ReportPlan plan = ReportPlan.of(q);
    Comparator<CellKey> order =
        Comparator.comparingInt(CellKey::bucket)
            .thenComparing(CellKey::values, ReportEngine::compareLists);
    TreeMap<CellKey, Measures> cells = new TreeMap<>(order);
    if (plan.rollupTo() > plan.rollupFrom()) {
      // With cut hours inside, rollups are summed per hour so that those hours can be left out.
      long unit = plan.cutHours().isEmpty() ? plan.unit() : ReportPlan.HOUR;
      long origin = plan.totals() ? 0 : Math.floorDiv(plan.rollupFrom(), unit) * unit;
      try (PreparedStatement ps = c.prepareStatement(sql(q, plan.totals(), false))) {
        scan(ps, q, plan, false, plan.rollupFrom(), plan.rollupTo(), unit, origin, cells);
      }
    }
    if (!plan.rawSpans().isEmpty()) {
      long unit = plan.unit();
      try (PreparedStatement ps = c.prepareStatement(sql(q, plan.totals(), true))) {
        for (long[] span : plan.rawSpans()) {
          rawScans.incrementAndGet();
          long origin = plan.totals() ? 0 : Math.floorDiv(span[0], unit) * unit;
          scan(ps, q, plan, true, span[0], span[1], unit, origin, cells);
        }
      }
    }
    List<GroupField> groupBy = q.groupBy();
    long[] edges = plan.edges();
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
    return new UsageReport(q, plan.source(), rows, plan.spans());
  }

  /** The SQL of one scan: bound by origin and unit (series), range, filters and exclusions. */
  private static String sql(UsageQuery q, boolean totals, boolean raw) {
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
    appendConditions(sql, q.filters(), q.exclusions(), raw, "");
    int groupColumns = 1 + groupBy.size() + 1 + (raw ? 1 : 0);
    sql.append(" GROUP BY 1");
    for (int i = 2; i <= groupColumns; i++) {
      sql.append(", ").append(i);
    }
    return sql.toString();
  }

  /**
   * Appends {@code AND column = ?} per filter and {@code AND column NOT IN (?, ...)} per exclusion;
   * {@link #bindConditions} binds the values in the same order.
   */
  static void appendConditions(
      StringBuilder sql,
      Map<GroupField, String> filters,
      Map<GroupField, Set<String>> exclusions,
      boolean raw,
      String alias) {
    for (GroupField f : filters.keySet()) {
      sql.append(" AND ").append(column(f, raw, alias)).append(" = ?");
    }
    for (Map.Entry<GroupField, Set<String>> e : exclusions.entrySet()) {
      sql.append(" AND ").append(column(e.getKey(), raw, alias)).append(" NOT IN (");
      for (int i = 0; i < e.getValue().size(); i++) {
        sql.append(i == 0 ? "?" : ", ?");
      }
      sql.append(')');
    }
  }

  /** Binds what {@link #appendConditions} asked for, from parameter {@code p}; returns the next. */
  static int bindConditions(
      PreparedStatement ps,
      int p,
      Map<GroupField, String> filters,
      Map<GroupField, Set<String>> exclusions)
      throws SQLException {
    for (String v : filters.values()) {
      ps.setString(p++, v);
    }
    for (Set<String> values : exclusions.values()) {
      for (String v : values) {
        ps.setString(p++, v);
      }
    }
    return p;
  }

  /** Runs one scan over {@code [lo, hi)} and adds its rows to the cells. */
  private static void scan(
      PreparedStatement ps,
      UsageQuery q,
      ReportPlan plan,
      boolean raw,
      long lo,
      long hi,
      long unit,
      long origin,
      TreeMap<CellKey, Measures> cells)
      throws SQLException {
    boolean totals = plan.totals();
    int p = 1;
    if (!totals) {
      ps.setLong(p++, origin);
      ps.setLong(p++, unit);
    }
    ps.setLong(p++, lo);
    ps.setLong(p++, hi);
    bindConditions(ps, p, q.filters(), q.exclusions());
    List<GroupField> groupBy = q.groupBy();
    Set<Long> skip = raw ? Set.of() : plan.cutHours();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        int col = 1;
        int bucket = 0;
        long unitIndex = rs.getLong(col++);
        if (!totals) {
          long unitStart = origin + unitIndex * unit;
          if (skip.contains(unitStart)) {
            continue;
          }
          bucket = plan.bucket(unitStart);
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

  /** The column of an allow-listed field; the only way a field reaches SQL text. */
  static String column(GroupField field, boolean raw) {
    return column(field, raw, "");
  }

  /** The column, with a table alias such as {@code "e."} in front. */
  static String column(GroupField field, boolean raw, String alias) {
    return switch (field) {
      case SUBJECT -> alias + "subject";
      case OPERATION -> alias + "operation";
      case MODEL -> raw ? "COALESCE(" + alias + "model, '')" : alias + "model";
      case OUTCOME -> alias + "outcome";
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
