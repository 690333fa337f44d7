package dev.tally.jdbc.internal;

import dev.tally.core.UsageEvent;
import dev.tally.jdbc.Dialect;
import dev.tally.jdbc.PostgresWriteMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Writes a batch in one transaction: the raw events with {@code ON CONFLICT DO NOTHING}, then the
 * captured content and the rollup deltas of only the rows that were really inserted, so a replay
 * never counts twice. Rollup deltas are summed in memory and each rollup row is upserted once.
 */
public final class EventWriter {
  static final String EVENT_COLUMNS =
      "id, occurred_at_ns, operation, subject, user_email, session_id, tenant, model, provider,"
          + " input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
          + " reasoning_tokens, token_source, duration_ns, duration_bucket, outcome, error_type,"
          + " error_message, attributes, trace_id, input_length, output_length, cost, cost_nanos,"
          + " currency, price_version, recorded_at_ns";
  static final int EVENT_COLUMN_COUNT = 29;

  /** PostgreSQL allows 32767 bind parameters per statement. */
  private static final int PG_ROWS_PER_STATEMENT = 32767 / EVENT_COLUMN_COUNT;

  private static final String ROLLUP_KEY =
      "hour_start_ns, subject, operation, model, outcome, currency";
  private static final String[] ROLLUP_SUMS = {
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

  /**
   * A SQLite rollup delta touching more histogram buckets than this is written with the statement
   * naming all 82 bucket columns, so the number of distinct upsert statements stays small.
   */
  static final int MAX_SPARSE_BUCKETS = 2;

  private final Dialect dialect;
  private final PostgresWriteMode postgresMode;
  private final String sqliteInsert;
  private final String postgresRollupUpsert = postgresRollupUpsertSql();
  // Bounded: shapes of at most MAX_SPARSE_BUCKETS buckets (under 3 500), plus the shape of all.
  private final Map<HistogramShape, String> sparseUpserts = new ConcurrentHashMap<>();
  private final Map<Integer, String> pgInsertByRows = new ConcurrentHashMap<>();

  public EventWriter(Dialect dialect, PostgresWriteMode postgresMode) {
    this.dialect = dialect;
    this.postgresMode = postgresMode;
    this.sqliteInsert =
        "INSERT INTO tally_event ("
            + EVENT_COLUMNS
            + ") VALUES ("
            + placeholders(EVENT_COLUMN_COUNT)
            + ") ON CONFLICT (id) DO NOTHING";
  }

  private static String placeholders(int n) {
    StringBuilder sb = new StringBuilder(n * 2);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.toString();
  }

  static String histogramColumn(int bucket) {
    return bucket < 10 ? "h0" + bucket : "h" + bucket;
  }

  /**
   * Writes the batch and commits. Returns the number of events newly stored.
   *
   * @throws SQLException after rolling back, when the database refuses
   */
  public int write(Connection c, List<UsageEvent> batch, long recordedAtNs) throws SQLException {
    return write(c, null, batch, recordedAtNs);
  }

  /**
   * Writes the batch and commits, keeping SQLite statements in {@code statements} (when given) for
   * the next batch on the same connection. Returns the number of events newly stored.
   *
   * @throws SQLException after rolling back, when the database refuses
   */
  public int write(
      Connection c, @Nullable StatementCache statements, List<UsageEvent> batch, long recordedAtNs)
      throws SQLException {
    // The same id twice in one batch is stored once: keep the first.
    List<EventRow> rows = new ArrayList<>(batch.size());
    Set<String> seen = new HashSet<>();
    for (UsageEvent e : batch) {
      if (seen.add(e.id())) {
        rows.add(EventRow.of(e));
      }
    }
    c.setAutoCommit(false);
    try {
      List<EventRow> inserted =
          dialect == Dialect.SQLITE
              ? insertSqlite(c, statements, rows, recordedAtNs)
              : postgresMode == PostgresWriteMode.COPY
                  ? PostgresCopy.insert(c, rows, recordedAtNs)
                  : insertPostgres(c, rows, recordedAtNs);
      insertContent(c, inserted);
      upsertRollups(c, statements, inserted);
      c.commit();
      return inserted.size();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private interface StatementWork {
    void run(PreparedStatement ps) throws SQLException;
  }

  /** Runs {@code work} on a cached statement (evicted if it fails) or on a fresh one it closes. */
  private static void withStatement(
      Connection c, @Nullable StatementCache statements, String sql, StatementWork work)
      throws SQLException {
    if (statements == null) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        work.run(ps);
      }
      return;
    }
    PreparedStatement ps = statements.get(sql);
    boolean done = false;
    try {
      work.run(ps);
      done = true;
    } finally {
      if (!done) {
        statements.evict(sql);
      }
    }
  }

  private List<EventRow> insertSqlite(
      Connection c, @Nullable StatementCache statements, List<EventRow> rows, long recordedAtNs)
      throws SQLException {
    List<EventRow> inserted = new ArrayList<>(rows.size());
    withStatement(
        c,
        statements,
        sqliteInsert,
        ps -> {
          for (EventRow row : rows) {
            bindEvent(ps, 1, row, recordedAtNs);
            ps.addBatch();
          }
          int[] counts = ps.executeBatch();
          for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
              inserted.add(rows.get(i));
            } else if (counts[i] != 0) {
              throw new SQLException("SQLite returned update count " + counts[i] + "; need 0 or 1");
            }
          }
        });
    return inserted;
  }

  private List<EventRow> insertPostgres(Connection c, List<EventRow> rows, long recordedAtNs)
      throws SQLException {
    Set<String> ids = new HashSet<>();
    for (int from = 0; from < rows.size(); from += PG_ROWS_PER_STATEMENT) {
      List<EventRow> chunk =
          rows.subList(from, Math.min(rows.size(), from + PG_ROWS_PER_STATEMENT));
      String sql =
          pgInsertByRows.computeIfAbsent(
              chunk.size(),
              n -> {
                StringBuilder sb =
                    new StringBuilder("INSERT INTO tally_event (" + EVENT_COLUMNS + ") VALUES ");
                String tuple = "(" + placeholders(EVENT_COLUMN_COUNT) + ")";
                for (int i = 0; i < n; i++) {
                  sb.append(i == 0 ? "" : ",").append(tuple);
                }
                return sb.append(" ON CONFLICT (id) DO NOTHING RETURNING id").toString();
              });
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int p = 1;
        for (EventRow row : chunk) {
          p = bindEvent(ps, p, row, recordedAtNs);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getString(1));
          }
        }
      }
    }
    List<EventRow> inserted = new ArrayList<>(ids.size());
    for (EventRow row : rows) {
      if (ids.contains(row.event().id())) {
        inserted.add(row);
      }
    }
    return inserted;
  }

  /** Binds the event columns from parameter {@code p}; returns the next parameter index. */
  static int bindEvent(PreparedStatement ps, int p, EventRow row, long recordedAtNs)
      throws SQLException {
    UsageEvent e = row.event();
    ps.setString(p++, e.id());
    ps.setLong(p++, row.occurredAtNs());
    ps.setString(p++, e.operation());
    ps.setString(p++, e.subject());
    setText(ps, p++, e.userEmail());
    setText(ps, p++, e.sessionId());
    setText(ps, p++, e.tenant());
    setText(ps, p++, e.model());
    setText(ps, p++, e.provider());
    ps.setLong(p++, e.tokens().input());
    ps.setLong(p++, e.tokens().cachedInput());
    ps.setLong(p++, e.tokens().cacheWrite());
    ps.setLong(p++, e.tokens().output());
    ps.setLong(p++, e.tokens().reasoning());
    ps.setString(p++, e.tokens().source().name());
    ps.setLong(p++, row.durationNs());
    ps.setInt(p++, row.durationBucket());
    ps.setString(p++, e.outcome().name());
    setText(ps, p++, e.error() == null ? null : e.error().type());
    setText(ps, p++, e.error() == null ? null : e.error().message());
    setText(ps, p++, row.attributesJson());
    setText(ps, p++, e.traceId());
    ps.setInt(p++, e.content().inputLength());
    ps.setInt(p++, e.content().outputLength());
    setText(ps, p++, row.cost());
    if (row.costNanos() == null) {
      ps.setNull(p++, Types.BIGINT);
    } else {
      ps.setLong(p++, row.costNanos());
    }
    setText(ps, p++, row.currency());
    setText(ps, p++, row.priceVersion());
    ps.setLong(p++, recordedAtNs);
    return p;
  }

  private static void setText(PreparedStatement ps, int p, @Nullable String value)
      throws SQLException {
    if (value == null) {
      ps.setNull(p, Types.VARCHAR);
    } else {
      ps.setString(p, value);
    }
  }

  private static void insertContent(Connection c, List<EventRow> inserted) throws SQLException {
    PreparedStatement ps = null;
    try {
      for (EventRow row : inserted) {
        var content = row.event().content();
        if (!content.hasText()) {
          continue;
        }
        if (ps == null) {
          ps =
              c.prepareStatement(
                  "INSERT INTO tally_event_content (id, occurred_at_ns, input_text, output_text)"
                      + " VALUES (?, ?, ?, ?)");
        }
        ps.setString(1, row.event().id());
        ps.setLong(2, row.occurredAtNs());
        setText(ps, 3, content.inputText());
        setText(ps, 4, content.outputText());
        ps.addBatch();
      }
      if (ps != null) {
        ps.executeBatch();
      }
    } finally {
      if (ps != null) {
        ps.close();
      }
    }
  }

  private void upsertRollups(
      Connection c, @Nullable StatementCache statements, List<EventRow> inserted)
      throws SQLException {
    if (inserted.isEmpty()) {
      return;
    }
    TreeMap<RollupKey, Measures> deltas = new TreeMap<>();
    for (EventRow row : inserted) {
      UsageEvent e = row.event();
      RollupKey key =
          new RollupKey(
              row.hourStartNs(),
              e.subject(),
              e.operation(),
              e.model() == null ? "" : e.model(),
              e.outcome().name(),
              row.currency() == null ? "" : row.currency());
      deltas.computeIfAbsent(key, k -> new Measures()).add(row);
    }
    if (dialect == Dialect.POSTGRESQL) {
      upsertRollupsPostgres(c, deltas);
    } else {
      upsertRollupsSqlite(c, statements, deltas);
    }
  }

  /**
   * SQLite: one upsert per rollup row, but naming only the histogram buckets the delta touches
   * (usually one or two of 82), so each upsert binds and adds about 20 values instead of 100.
   * Deltas with the same touched buckets share a prepared statement and a JDBC batch; a delta
   * touching more than {@value #MAX_SPARSE_BUCKETS} buckets uses the statement naming all of them.
   */
  private void upsertRollupsSqlite(
      Connection c, @Nullable StatementCache statements, TreeMap<RollupKey, Measures> deltas)
      throws SQLException {
    Map<HistogramShape, List<Map.Entry<RollupKey, Measures>>> byShape = new LinkedHashMap<>();
    for (Map.Entry<RollupKey, Measures> entry : deltas.entrySet()) {
      HistogramShape shape = HistogramShape.of(entry.getValue().histogram);
      if (shape.bucketCount() > MAX_SPARSE_BUCKETS) {
        shape = HistogramShape.ALL;
      }
      byShape.computeIfAbsent(shape, k -> new ArrayList<>()).add(entry);
    }
    for (Map.Entry<HistogramShape, List<Map.Entry<RollupKey, Measures>>> group :
        byShape.entrySet()) {
      HistogramShape shape = group.getKey();
      String sql = sparseUpserts.computeIfAbsent(shape, this::sparseUpsertSql);
      int[] buckets = shape.buckets();
      withStatement(
          c,
          statements,
          sql,
          ps -> {
            for (Map.Entry<RollupKey, Measures> entry : group.getValue()) {
              int p = bindRollup(ps, entry.getKey(), entry.getValue());
              for (int bucket : buckets) {
                ps.setLong(p++, entry.getValue().histogram[bucket]);
              }
              ps.addBatch();
            }
            ps.executeBatch();
          });
    }
  }

  private static int bindRollup(PreparedStatement ps, RollupKey k, Measures m) throws SQLException {
    int p = 1;
    ps.setLong(p++, k.hourStartNs());
    ps.setString(p++, k.subject());
    ps.setString(p++, k.operation());
    ps.setString(p++, k.model());
    ps.setString(p++, k.outcome());
    ps.setString(p++, k.currency());
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

  private String sparseUpsertSql(HistogramShape shape) {
    StringBuilder cols = new StringBuilder(ROLLUP_KEY);
    StringBuilder set = new StringBuilder();
    for (String s : ROLLUP_SUMS) {
      cols.append(", ").append(s);
      set.append(s).append(" = tally_rollup_hour.").append(s).append(" + excluded.").append(s);
      set.append(", ");
    }
    cols.append(", duration_max_ns");
    set.append(
        "duration_max_ns = max(tally_rollup_hour.duration_max_ns, excluded.duration_max_ns)");
    for (int bucket : shape.buckets()) {
      String h = histogramColumn(bucket);
      cols.append(", ").append(h);
      set.append(", ").append(h).append(" = tally_rollup_hour.").append(h);
      set.append(" + excluded.").append(h);
    }
    int n = 6 + ROLLUP_SUMS.length + 1 + shape.buckets().length;
    return "INSERT INTO tally_rollup_hour ("
        + cols
        + ") VALUES ("
        + placeholders(n)
        + ") ON CONFLICT ("
        + ROLLUP_KEY
        + ") DO UPDATE SET "
        + set;
  }

  /**
   * PostgreSQL: every rollup delta of the batch in one statement, as arrays expanded by {@code
   * unnest}. One round trip, and rows are upserted in key order, so concurrent writers lock rollup
   * rows in the same order and cannot deadlock.
   */
  private void upsertRollupsPostgres(Connection c, TreeMap<RollupKey, Measures> deltas)
      throws SQLException {
    int n = deltas.size();
    Long[] hours = new Long[n];
    String[][] keys = new String[5][n];
    Long[][] sums = new Long[ROLLUP_SUMS.length + 1][n];
    String[] histograms = new String[n];
    int i = 0;
    for (Map.Entry<RollupKey, Measures> entry : deltas.entrySet()) {
      RollupKey k = entry.getKey();
      Measures m = entry.getValue();
      hours[i] = k.hourStartNs();
      keys[0][i] = k.subject();
      keys[1][i] = k.operation();
      keys[2][i] = k.model();
      keys[3][i] = k.outcome();
      keys[4][i] = k.currency();
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
      StringBuilder h = new StringBuilder(DurationHistogram.BUCKETS * 2);
      for (int b = 0; b < DurationHistogram.BUCKETS; b++) {
        h.append(b == 0 ? "" : ",").append(m.histogram[b]);
      }
      histograms[i] = h.toString();
      i++;
    }
    try (PreparedStatement ps = c.prepareStatement(postgresRollupUpsert)) {
      int p = 1;
      ps.setArray(p++, c.createArrayOf("bigint", hours));
      for (String[] key : keys) {
        ps.setArray(p++, c.createArrayOf("text", key));
      }
      for (Long[] sum : sums) {
        ps.setArray(p++, c.createArrayOf("bigint", sum));
      }
      ps.setArray(p, c.createArrayOf("text", histograms));
      ps.executeUpdate();
    }
  }

  private static String postgresRollupUpsertSql() {
    StringBuilder cols = new StringBuilder(ROLLUP_KEY);
    StringBuilder select = new StringBuilder(ROLLUP_KEY);
    StringBuilder unnestArgs = new StringBuilder("?::bigint[]");
    StringBuilder alias = new StringBuilder(ROLLUP_KEY);
    StringBuilder set = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      unnestArgs.append(", ?::text[]");
    }
    for (String s : ROLLUP_SUMS) {
      cols.append(", ").append(s);
      select.append(", ").append(s);
      alias.append(", ").append(s);
      unnestArgs.append(", ?::bigint[]");
      set.append(s).append(" = tally_rollup_hour.").append(s).append(" + excluded.").append(s);
      set.append(", ");
    }
    cols.append(", duration_max_ns");
    select.append(", duration_max_ns");
    alias.append(", duration_max_ns, hist");
    unnestArgs.append(", ?::bigint[], ?::text[]");
    set.append(
        "duration_max_ns = GREATEST(tally_rollup_hour.duration_max_ns,"
            + " excluded.duration_max_ns)");
    for (int b = 0; b < DurationHistogram.BUCKETS; b++) {
      String h = histogramColumn(b);
      cols.append(", ").append(h);
      select.append(", h[").append(b + 1).append(']');
      set.append(", ").append(h).append(" = tally_rollup_hour.").append(h);
      set.append(" + excluded.").append(h);
    }
    return "INSERT INTO tally_rollup_hour ("
        + cols
        + ") SELECT "
        + select
        + " FROM (SELECT t.*, string_to_array(t.hist, ',')::int[] AS h FROM unnest("
        + unnestArgs
        + ") AS t("
        + alias
        // OFFSET 0 keeps the subquery apart, so each text array is parsed once, not 82 times.
        + ") OFFSET 0) AS d ON CONFLICT ("
        + ROLLUP_KEY
        + ") DO UPDATE SET "
        + set;
  }

  /** Which histogram buckets a rollup delta touches: the shape of its sparse upsert. */
  record HistogramShape(long low, long high) {
    static final HistogramShape ALL =
        new HistogramShape(-1L, (1L << (DurationHistogram.BUCKETS - 64)) - 1);

    static HistogramShape of(long[] histogram) {
      long low = 0;
      long high = 0;
      for (int b = 0; b < histogram.length; b++) {
        if (histogram[b] != 0) {
          if (b < 64) {
            low |= 1L << b;
          } else {
            high |= 1L << (b - 64);
          }
        }
      }
      return new HistogramShape(low, high);
    }

    int bucketCount() {
      return Long.bitCount(low) + Long.bitCount(high);
    }

    int[] buckets() {
      int[] out = new int[Long.bitCount(low) + Long.bitCount(high)];
      int i = 0;
      for (int b = 0; b < DurationHistogram.BUCKETS; b++) {
        boolean set = b < 64 ? (low & (1L << b)) != 0 : (high & (1L << (b - 64))) != 0;
        if (set) {
          out[i++] = b;
        }
      }
      return out;
    }
  }

  /** Used by tests and benchmarks to empty the store between runs. */
  public static void truncateAll(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("DELETE FROM tally_event_content");
      st.execute("DELETE FROM tally_event");
      st.execute("DELETE FROM tally_rollup_hour");
    }
  }
}
