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

  /**
   * Answers a query. With {@code tail} (SQLite, whose rollups are deferred) the whole hours also
   * read the events after the rollup mark raw, so the answer never lags the committed events; the
   * caller runs this in one read transaction so the mark, the rollups and the tail agree.
   */
  public UsageReport report(Connection c, UsageQuery q, Codes codes, boolean tail)
      throws SQLException {
    ReportPlan plan = ReportPlan.of(q);
    Comparator<CellKey> order =
        Comparator.comparingInt(CellKey::bucket)
            .thenComparing(CellKey::values, ReportEngine::compareLists);
    TreeMap<CellKey, Measures> cells = new TreeMap<>(order);
    Conditions conditions = Conditions.of(c, codes, q.filters(), q.exclusions(), "");
    Scan scan = new Scan(c, q, plan, codes, conditions, cells);
    if (plan.rollupTo() > plan.rollupFrom()) {
      // With cut hours inside, rollups are summed per hour so that those hours can be left out.
      long unit = plan.cutHours().isEmpty() ? plan.unit() : ReportPlan.HOUR;
      long origin = plan.totals() ? 0 : Math.floorDiv(plan.rollupFrom(), unit) * unit;
      try (PreparedStatement ps = c.prepareStatement(rollupSql(q, conditions))) {
        scan.rollups(ps, plan.rollupFrom(), plan.rollupTo(), unit, origin);
      }
      if (tail) {
        long mark = mark(c);
        try (PreparedStatement ps =
            c.prepareStatement(rawSql(q, plan.totals(), conditions, true))) {
          scan.raw(ps, plan.rollupFrom(), plan.rollupTo(), unit, origin, mark, plan.cutHours());
        }
      }
    }
    if (!plan.rawSpans().isEmpty()) {
      long unit = plan.unit();
      try (PreparedStatement ps = c.prepareStatement(rawSql(q, plan.totals(), conditions, false))) {
        for (long[] span : plan.rawSpans()) {
          rawScans.incrementAndGet();
          long origin = plan.totals() ? 0 : Math.floorDiv(span[0], unit) * unit;
          scan.raw(ps, span[0], span[1], unit, origin, -1, Set.of());
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

  /** The rollup mark: rollups hold exactly the events with {@code seq <=} it. */
  static long mark(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT seq FROM tally_rollup_mark WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /**
   * Rollup rows, one per stored row (the histogram is a column that SQL cannot add up): Java sums
   * them per bucket and group.
   */
  private static String rollupSql(UsageQuery q, Conditions conditions) {
    StringBuilder sql = new StringBuilder("SELECT hour_start_ns");
    for (GroupField g : q.groupBy()) {
      sql.append(", ").append(Conditions.column(g, ""));
    }
    sql.append(
        ", currency, requests, errors, input_tokens, cached_input_tokens, cache_write_tokens,"
            + " output_tokens, reasoning_tokens, tokens_missing, cost_nanos, unpriced,"
            + " duration_sum_us, duration_max_ns, histogram FROM tally_rollup_hour"
            + " WHERE hour_start_ns >= ? AND hour_start_ns < ?");
    sql.append(conditions.sql());
    return sql.toString();
  }

  /**
   * Raw events summed per unit, group, currency and duration bucket; with {@code afterMark} only
   * the events after the rollup mark (the time bounds then must not pick the time index).
   */
  private static String rawSql(
      UsageQuery q, boolean totals, Conditions conditions, boolean afterMark) {
    List<GroupField> groupBy = q.groupBy();
    StringBuilder sql = new StringBuilder("SELECT ");
    sql.append(totals ? "0" : "(occurred_at_ns - ?) / ?");
    for (GroupField g : groupBy) {
      sql.append(", ").append(Conditions.column(g, ""));
    }
    String at = afterMark ? "+occurred_at_ns" : "occurred_at_ns";
    sql.append(
        ", currency, duration_bucket, COUNT(*),"
            + " SUM(CASE WHEN outcome = "
            + Codes.outcome(dev.tally.core.event.Outcome.ERROR)
            + " THEN 1 ELSE 0 END),"
            + " SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_tokens),"
            + " SUM(output_tokens), SUM(reasoning_tokens),"
            + " SUM(CASE WHEN token_source = "
            + Codes.source(dev.tally.core.event.UsageSource.MISSING)
            + " THEN 1 ELSE 0 END),"
            + " COALESCE(SUM(cost_nanos), 0), SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END),"
            + " SUM(duration_ns / 1000), MAX(duration_ns)"
            + " FROM tally_event WHERE "
            + (afterMark ? "seq > ? AND " : "")
            + at
            + " >= ? AND "
            + at
            + " < ?");
    sql.append(conditions.sql());
    int groupColumns = 1 + groupBy.size() + 2;
    sql.append(" GROUP BY 1");
    for (int i = 2; i <= groupColumns; i++) {
      sql.append(", ").append(i);
    }
    return sql.toString();
  }

  /** One report's scans, adding to its cells. */
  private static final class Scan {
    private final Connection c;
    private final UsageQuery q;
    private final ReportPlan plan;
    private final Codes codes;
    private final Conditions conditions;
    private final TreeMap<CellKey, Measures> cells;

    Scan(
        Connection c,
        UsageQuery q,
        ReportPlan plan,
        Codes codes,
        Conditions conditions,
        TreeMap<CellKey, Measures> cells) {
      this.c = c;
      this.q = q;
      this.plan = plan;
      this.codes = codes;
      this.conditions = conditions;
      this.cells = cells;
    }

    void rollups(PreparedStatement ps, long lo, long hi, long unit, long origin)
        throws SQLException {
      ps.setLong(1, lo);
      ps.setLong(2, hi);
      conditions.bind(ps, 3);
      Set<Long> skip = plan.cutHours();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int col = 1;
          long hour = rs.getLong(col++);
          int bucket = 0;
          if (!plan.totals()) {
            long unitStart = origin + Math.floorDiv(hour - origin, unit) * unit;
            if (skip.contains(unitStart)) {
              continue;
            }
            bucket = plan.bucket(unitStart);
          }
          List<String> values = groupValues(rs, col);
          col += q.groupBy().size();
          int currency = rs.getInt(col++);
          Measures m = cells.computeIfAbsent(new CellKey(bucket, values), k -> new Measures());
          m.requests += rs.getLong(col++);
          m.errors += rs.getLong(col++);
          m.input += rs.getLong(col++);
          m.cachedInput += rs.getLong(col++);
          m.cacheWrite += rs.getLong(col++);
          m.output += rs.getLong(col++);
          m.reasoning += rs.getLong(col++);
          m.tokensMissing += rs.getLong(col++);
          long cost = rs.getLong(col++);
          if (currency != 0) {
            m.costByCurrency.merge(codes.value(c, Codes.CURRENCY, currency), cost, Long::sum);
          }
          m.unpriced += rs.getLong(col++);
          m.durationSumUs += rs.getLong(col++);
          m.durationMaxNs = Math.max(m.durationMaxNs, rs.getLong(col++));
          addHistogram(m, rs, col);
        }
      }
    }

    private void addHistogram(Measures m, ResultSet rs, int col) throws SQLException {
      Object h = rs.getObject(col);
      if (h instanceof byte[] blob) {
        HistogramBlob.addTo(m.histogram, blob);
      } else if (h instanceof java.sql.Array array) {
        Object values = array.getArray();
        if (values instanceof Integer[] ints) {
          for (int b = 0; b < ints.length && b < DurationHistogram.BUCKETS; b++) {
            m.histogram[b] += ints[b] == null ? 0 : ints[b];
          }
        }
      }
    }

    /**
     * A raw scan over {@code [lo, hi)}; {@code afterMark} >= 0 limits it to the events after the
     * rollup mark.
     */
    void raw(
        PreparedStatement ps,
        long lo,
        long hi,
        long unit,
        long origin,
        long afterMark,
        Set<Long> skip)
        throws SQLException {
      boolean totals = plan.totals();
      int p = 1;
      if (!totals) {
        ps.setLong(p++, origin);
        ps.setLong(p++, unit);
      }
      if (afterMark >= 0) {
        ps.setLong(p++, afterMark);
      }
      ps.setLong(p++, lo);
      ps.setLong(p++, hi);
      conditions.bind(ps, p);
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
          List<String> values = groupValues(rs, col);
          col += q.groupBy().size();
          int currency = rs.getInt(col++);
          Measures m = cells.computeIfAbsent(new CellKey(bucket, values), k -> new Measures());
          int durationBucket = rs.getInt(col++);
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
          if (currency != 0) {
            m.costByCurrency.merge(codes.value(c, Codes.CURRENCY, currency), cost, Long::sum);
          }
          m.unpriced += rs.getLong(col++);
          m.durationSumUs += rs.getLong(col++);
          m.durationMaxNs = Math.max(m.durationMaxNs, rs.getLong(col++));
          m.histogram[durationBucket] += requests;
        }
      }
    }

    private List<String> groupValues(ResultSet rs, int col) throws SQLException {
      List<GroupField> groupBy = q.groupBy();
      List<String> values = new ArrayList<>(groupBy.size());
      for (GroupField g : groupBy) {
        int kind = Conditions.kind(g);
        if (kind == 0) {
          String v = rs.getString(col++);
          values.add(v == null ? "" : v);
        } else {
          values.add(codes.value(c, kind, rs.getInt(col++)));
        }
      }
      return values;
    }
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
