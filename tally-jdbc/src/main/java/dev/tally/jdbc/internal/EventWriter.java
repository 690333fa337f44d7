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

  private final Dialect dialect;
  private final PostgresWriteMode postgresMode;
  private final String sqliteInsert;
  private final String rollupUpsert;
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
    this.rollupUpsert = rollupUpsertSql(dialect);
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

  private static String rollupUpsertSql(Dialect dialect) {
    StringBuilder cols = new StringBuilder(ROLLUP_KEY);
    StringBuilder set = new StringBuilder();
    for (String s : ROLLUP_SUMS) {
      cols.append(", ").append(s);
      set.append(s).append(" = tally_rollup_hour.").append(s).append(" + excluded.").append(s);
      set.append(", ");
    }
    cols.append(", duration_max_ns");
    set.append("duration_max_ns = ")
        .append(dialect == Dialect.SQLITE ? "max(" : "GREATEST(")
        .append("tally_rollup_hour.duration_max_ns, excluded.duration_max_ns)");
    for (int i = 0; i < DurationHistogram.BUCKETS; i++) {
      String h = histogramColumn(i);
      cols.append(", ").append(h);
      set.append(", ").append(h).append(" = tally_rollup_hour.").append(h);
      set.append(" + excluded.").append(h);
    }
    int n = 6 + ROLLUP_SUMS.length + 1 + DurationHistogram.BUCKETS;
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
   * Writes the batch and commits. Returns the number of events newly stored.
   *
   * @throws SQLException after rolling back, when the database refuses
   */
  public int write(Connection c, List<UsageEvent> batch, long recordedAtNs) throws SQLException {
    // The same id twice in one batch is stored once: keep the first.
    List<EventRow> rows = new ArrayList<>(batch.size());
    Set<String> seen = new HashSet<>();
    for (UsageEvent e : batch) {
      if (seen.add(e.id())) {
        rows.add(EventRow.of(e));
      }
    }
    c.setAutoCommit(false);
    long t0 = System.nanoTime();
    try {
      List<EventRow> inserted =
          dialect == Dialect.SQLITE
              ? insertSqlite(c, rows, recordedAtNs)
              : postgresMode == PostgresWriteMode.COPY
                  ? PostgresCopy.insert(c, rows, recordedAtNs)
                  : insertPostgres(c, rows, recordedAtNs);
      long t1 = System.nanoTime();
      insertContent(c, inserted);
      upsertRollups(c, inserted);
      long t2 = System.nanoTime();
      c.commit();
      long t3 = System.nanoTime();
      if (Boolean.getBoolean("tally.probe"))
        System.err.printf(
            "insert %.1f rollups %.1f commit %.1f%n",
            (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
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

  private List<EventRow> insertSqlite(Connection c, List<EventRow> rows, long recordedAtNs)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sqliteInsert)) {
      for (EventRow row : rows) {
        bindEvent(ps, 1, row, recordedAtNs);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      List<EventRow> inserted = new ArrayList<>(rows.size());
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          inserted.add(rows.get(i));
        } else if (counts[i] != 0) {
          throw new SQLException("SQLite returned update count " + counts[i] + "; need 0 or 1");
        }
      }
      return inserted;
    }
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

  private void upsertRollups(Connection c, List<EventRow> inserted) throws SQLException {
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
    try (PreparedStatement ps = c.prepareStatement(rollupUpsert)) {
      for (Map.Entry<RollupKey, Measures> entry : deltas.entrySet()) {
        RollupKey k = entry.getKey();
        Measures m = entry.getValue();
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
        for (long count : m.histogram) {
          ps.setInt(p++, (int) count);
        }
        ps.addBatch();
      }
      ps.executeBatch();
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
