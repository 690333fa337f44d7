package dev.tally.jdbc.internal;

import dev.tally.jdbc.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.SortedMap;
import org.jspecify.annotations.Nullable;

/**
 * Adds rollup deltas to {@code tally_rollup_hour}. SQLite (under the write lock, so nobody else
 * touches the row between): per key, read the histogram blob, then update the row with the sums
 * added and the histogram merged in Java, or insert it; three statement shapes in all. PostgreSQL:
 * every delta of a batch in one upsert, as arrays expanded by {@code unnest}, in key order (so
 * concurrent writers lock rows in the same order), the {@code integer[]} histogram merged
 * element-wise in SQL.
 */
final class RollupWriter {
  static final String KEY = "hour_start_ns, subject, operation, model, outcome, currency";
  static final String[] SUMS = {
    "requests",
    "errors",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "tokens_missing",
    "cost_nanos",
    "unpriced",
    "duration_sum_us"
  };
  private static final String KEY_MATCH =
      " WHERE hour_start_ns = ? AND subject = ? AND operation = ? AND model = ? AND outcome = ?"
          + " AND currency = ?";
  private static final String SELECT_SQL = "SELECT histogram FROM tally_rollup_hour" + KEY_MATCH;
  private static final String UPDATE_SQL = updateSql();
  private static final String PG_UPSERT_SQL = postgresUpsertSql();

  private RollupWriter() {}

  static String insertSql(Dialect dialect) {
    StringBuilder cols = new StringBuilder(KEY);
    for (String s : SUMS) {
      cols.append(", ").append(s);
    }
    cols.append(", duration_max_ns, histogram");
    return "INSERT INTO tally_rollup_hour ("
        + cols
        + ") VALUES ("
        + EventWriter.placeholders(6 + SUMS.length + 1)
        + (dialect == Dialect.POSTGRESQL ? ", ?::int[])" : ", ?)");
  }

  private static String updateSql() {
    StringBuilder sql = new StringBuilder("UPDATE tally_rollup_hour SET ");
    for (String s : SUMS) {
      sql.append(s).append(" = ").append(s).append(" + ?, ");
    }
    sql.append("duration_max_ns = max(duration_max_ns, ?), histogram = ?").append(KEY_MATCH);
    return sql.toString();
  }

  static void bindInsert(Dialect dialect, PreparedStatement ps, RollupKey k, Measures m)
      throws SQLException {
    int p = bindKey(ps, 1, k);
    p = bindSums(ps, p, m);
    if (dialect == Dialect.POSTGRESQL) {
      ps.setString(p, HistogramBlob.pgArray(m.histogram));
    } else {
      ps.setBytes(p, HistogramBlob.encode(m.histogram));
    }
  }

  private static int bindKey(PreparedStatement ps, int p, RollupKey k) throws SQLException {
    ps.setLong(p++, k.hourStartNs());
    ps.setString(p++, k.subject());
    ps.setInt(p++, k.operation());
    ps.setInt(p++, k.model());
    ps.setInt(p++, k.outcome());
    ps.setInt(p++, k.currency());
    return p;
  }

  private static int bindSums(PreparedStatement ps, int p, Measures m) throws SQLException {
    ps.setLong(p++, m.requests);
    ps.setLong(p++, m.errors);
    ps.setLong(p++, m.input);
    ps.setLong(p++, m.cachedInput);
    ps.setLong(p++, m.cacheWrite);
    ps.setLong(p++, m.output);
    ps.setLong(p++, m.reasoning);
    ps.setLong(p++, m.tokensMissing);
    ps.setLong(p++, m.costNanos);
    ps.setLong(p++, m.unpriced);
    ps.setLong(p++, m.durationSumUs);
    ps.setLong(p++, m.durationMaxNs);
    return p;
  }

  /**
   * SQLite: adds every delta; the caller holds the write transaction. {@code stored} holds
   * histograms known to be in the table (their rows are updated without a read); the histogram each
   * row ends up with goes to {@code staged}.
   */
  static void applySqlite(
      Connection c,
      @Nullable StatementCache statements,
      SortedMap<RollupKey, Measures> deltas,
      Map<RollupKey, byte[]> stored,
      Map<RollupKey, byte[]> staged)
      throws SQLException {
    if (deltas.isEmpty()) {
      return;
    }
    Statements s = new Statements(c, statements);
    try {
      PreparedStatement select = s.get(SELECT_SQL);
      PreparedStatement update = s.get(UPDATE_SQL);
      PreparedStatement insert = s.get(insertSql(Dialect.SQLITE));
      long[] merged = new long[DurationHistogram.BUCKETS];
      for (Map.Entry<RollupKey, Measures> e : deltas.entrySet()) {
        RollupKey k = e.getKey();
        Measures m = e.getValue();
        byte[] old = stored.get(k);
        if (old == null) {
          bindKey(select, 1, k);
          try (ResultSet rs = select.executeQuery()) {
            if (rs.next()) {
              old = rs.getBytes(1);
            }
          }
        }
        if (old == null) {
          bindInsert(Dialect.SQLITE, insert, k, m);
          insert.executeUpdate();
          staged.put(k, HistogramBlob.encode(m.histogram));
        } else {
          System.arraycopy(m.histogram, 0, merged, 0, merged.length);
          HistogramBlob.addTo(merged, old);
          byte[] blob = HistogramBlob.encode(merged);
          int p = bindSums(update, 1, m);
          update.setBytes(p++, blob);
          bindKey(update, p, k);
          update.executeUpdate();
          staged.put(k, blob);
        }
      }
      s.done();
    } finally {
      s.close();
    }
  }

  /** PostgreSQL: every delta in one upsert. */
  static void upsertPostgres(Connection c, SortedMap<RollupKey, Measures> deltas)
      throws SQLException {
    if (deltas.isEmpty()) {
      return;
    }
    int n = deltas.size();
    Long[] hours = new Long[n];
    String[] subjects = new String[n];
    Integer[][] codes = new Integer[4][n];
    Long[][] sums = new Long[SUMS.length + 1][n];
    String[] histograms = new String[n];
    int i = 0;
    for (Map.Entry<RollupKey, Measures> entry : deltas.entrySet()) {
      RollupKey k = entry.getKey();
      Measures m = entry.getValue();
      hours[i] = k.hourStartNs();
      subjects[i] = k.subject();
      codes[0][i] = k.operation();
      codes[1][i] = k.model();
      codes[2][i] = k.outcome();
      codes[3][i] = k.currency();
      long[] values = {
        m.requests,
        m.errors,
        m.input,
        m.cachedInput,
        m.cacheWrite,
        m.output,
        m.reasoning,
        m.tokensMissing,
        m.costNanos,
        m.unpriced,
        m.durationSumUs,
        m.durationMaxNs
      };
      for (int v = 0; v < values.length; v++) {
        sums[v][i] = values[v];
      }
      histograms[i] = HistogramBlob.pgArray(m.histogram);
      i++;
    }
    try (PreparedStatement ps = c.prepareStatement(PG_UPSERT_SQL)) {
      int p = 1;
      ps.setArray(p++, c.createArrayOf("bigint", hours));
      ps.setArray(p++, c.createArrayOf("text", subjects));
      for (Integer[] code : codes) {
        ps.setArray(p++, c.createArrayOf("integer", code));
      }
      for (Long[] sum : sums) {
        ps.setArray(p++, c.createArrayOf("bigint", sum));
      }
      ps.setArray(p, c.createArrayOf("text", histograms));
      ps.executeUpdate();
    }
  }

  private static String postgresUpsertSql() {
    StringBuilder cols = new StringBuilder(KEY);
    StringBuilder set = new StringBuilder();
    StringBuilder args = new StringBuilder("?::bigint[], ?::text[]");
    for (int i = 0; i < 4; i++) {
      args.append(", ?::integer[]");
    }
    for (String s : SUMS) {
      cols.append(", ").append(s);
      args.append(", ?::bigint[]");
      set.append(s).append(" = tally_rollup_hour.").append(s).append(" + excluded.").append(s);
      set.append(", ");
    }
    args.append(", ?::bigint[], ?::text[]");
    set.append(
        "duration_max_ns = GREATEST(tally_rollup_hour.duration_max_ns, excluded.duration_max_ns),"
            + " histogram = ARRAY(SELECT a + b FROM unnest(tally_rollup_hour.histogram,"
            + " excluded.histogram) WITH ORDINALITY AS h(a, b, i) ORDER BY i)");
    return "INSERT INTO tally_rollup_hour ("
        + cols
        + ", duration_max_ns, histogram) SELECT "
        + cols
        + ", duration_max_ns, hist::int[] FROM unnest("
        + args
        + ") AS t("
        + cols
        + ", duration_max_ns, hist) ON CONFLICT ("
        + KEY
        + ") DO UPDATE SET "
        + set;
  }

  /** Statements from the connection's cache, or prepared here and closed after. */
  static final class Statements {
    private final Connection c;
    private final @Nullable StatementCache cache;
    private final java.util.List<PreparedStatement> opened = new java.util.ArrayList<>();
    private final java.util.List<String> used = new java.util.ArrayList<>();
    private boolean done;

    Statements(Connection c, @Nullable StatementCache cache) {
      this.c = c;
      this.cache = cache;
    }

    PreparedStatement get(String sql) throws SQLException {
      if (cache == null) {
        PreparedStatement ps = c.prepareStatement(sql);
        opened.add(ps);
        return ps;
      }
      used.add(sql);
      return cache.get(sql);
    }

    void done() {
      done = true;
    }

    /** Closes what it prepared; on failure evicts the cached statements it used. */
    void close() {
      for (PreparedStatement ps : opened) {
        try {
          ps.close();
        } catch (SQLException ignored) {
          // the connection is discarded after a failure anyway
        }
      }
      if (!done && cache != null) {
        for (String sql : used) {
          cache.evict(sql);
        }
      }
    }
  }
}
