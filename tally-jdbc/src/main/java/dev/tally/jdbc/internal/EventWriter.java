package dev.tally.jdbc.internal;

import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.Dialect;
import dev.tally.jdbc.PostgresWriteMode;
import java.nio.ByteBuffer;
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
 * Writes a batch in one transaction: the raw events with {@code ON CONFLICT (id) DO NOTHING}, the
 * captured content of the rows really inserted, and their rollup deltas, so a replay never counts
 * twice. On PostgreSQL the rollups are upserted in the same transaction; on SQLite they are summed
 * in memory across batches and written every few batches with the mark ({@link RollupBuffer}).
 */
public final class EventWriter {
  static final String EVENT_COLUMNS =
      "id, occurred_at_ns, subject, operation, model, provider, outcome, token_source,"
          + " input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
          + " reasoning_tokens, duration_ns, duration_bucket, cost_nanos, currency, price_version,"
          + " cold";
  static final int EVENT_COLUMN_COUNT = 19;

  /** PostgreSQL allows 32767 bind parameters per statement. */
  private static final int PG_ROWS_PER_STATEMENT = 32767 / EVENT_COLUMN_COUNT;

  private static final String SQLITE_INSERT =
      "INSERT INTO tally_event (seq, "
          + EVENT_COLUMNS
          + ") VALUES (?, "
          + placeholders(EVENT_COLUMN_COUNT)
          + ") ON CONFLICT (id) DO NOTHING";
  private static final String SEQ_STATE =
      "SELECT (SELECT MAX(seq) FROM tally_event), (SELECT seq FROM tally_rollup_mark WHERE id = 1)";
  private static final String CONTENT_INSERT =
      "INSERT INTO tally_event_content (id, occurred_at_ns, input_text, output_text)"
          + " VALUES (?, ?, ?, ?)";

  private final Dialect dialect;
  private final PostgresWriteMode postgresMode;
  private final Codes codes;
  private final @Nullable RollupBuffer buffer;
  private final Map<Integer, String> pgInsertByRows = new ConcurrentHashMap<>();

  /**
   * A writer; on SQLite rollups are flushed every {@code flushBatches} batches or {@code
   * flushIntervalNanos}, whichever comes first.
   */
  public EventWriter(
      Dialect dialect,
      PostgresWriteMode postgresMode,
      Codes codes,
      int flushBatches,
      long flushIntervalNanos,
      long nowNanos) {
    this.dialect = dialect;
    this.postgresMode = postgresMode;
    this.codes = codes;
    this.buffer =
        dialect == Dialect.SQLITE
            ? new RollupBuffer(flushBatches, flushIntervalNanos, nowNanos)
            : null;
  }

  static String placeholders(int n) {
    StringBuilder sb = new StringBuilder(n * 2);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "?" : ",?");
    }
    return sb.toString();
  }

  /** Makes the next write flush the deferred rollups (SQLite). */
  public void requestFlush() {
    if (buffer != null) {
      buffer.requestFlush();
    }
  }

  /** Rollup keys waiting in memory (a test hook). */
  public int pendingRollupKeys() {
    return buffer == null ? 0 : buffer.pendingKeys();
  }

  /**
   * Writes the batch and commits, keeping SQLite statements in {@code statements} (when given) for
   * the next batch on the same connection. Returns the number of events newly stored. An empty
   * batch on SQLite flushes deferred rollups if one is due or requested. The caller serializes
   * SQLite writes.
   *
   * @throws SQLException after rolling back, when the database refuses
   */
  public int write(
      Connection c,
      @Nullable StatementCache statements,
      List<UsageEvent> batch,
      long recordedAtNs,
      long nowNanos)
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
    Codes.Tx tx = codes.begin(c, statements);
    boolean sqlite = dialect == Dialect.SQLITE;
    boolean flushed = false;
    long mark = 0;
    long after = 0;
    try {
      List<EventRow> inserted;
      if (sqlite) {
        long[] state = seqState(c, statements);
        mark = state[1];
        long before = Math.max(state[0], mark);
        boolean clean = buffer.begin(before, mark);
        inserted = new ArrayList<>(rows.size());
        after = insertSqlite(c, statements, tx, rows, before, recordedAtNs, inserted);
        insertContent(c, statements, inserted);
        if (clean) {
          for (EventRow row : inserted) {
            buffer.add(keyOf(row, tx), row);
          }
        }
        flushed = buffer.flushDue(mark, after, nowNanos);
        if (flushed) {
          buffer.flush(c, statements, mark, after);
        }
      } else {
        inserted =
            postgresMode == PostgresWriteMode.COPY
                ? PostgresCopy.insert(c, tx, rows, recordedAtNs)
                : insertPostgres(c, tx, rows, recordedAtNs);
        insertContent(c, null, inserted);
        RollupWriter.upsertPostgres(c, deltas(inserted, tx));
      }
      c.commit();
      tx.publish();
      if (sqlite) {
        buffer.committed(flushed, mark, after, nowNanos);
      }
      return inserted.size();
    } catch (SQLException | RuntimeException e) {
      if (buffer != null) {
        buffer.failed();
      }
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

  private static long[] seqState(Connection c, @Nullable StatementCache statements)
      throws SQLException {
    RollupWriter.Statements s = new RollupWriter.Statements(c, statements);
    try {
      long[] out = new long[2];
      try (ResultSet rs = s.get(SEQ_STATE).executeQuery()) {
        rs.next();
        out[0] = rs.getLong(1);
        out[1] = rs.getLong(2);
      }
      s.done();
      return out;
    } finally {
      s.close();
    }
  }

  /** Inserts with seq = before + 1, + 2, ...; returns the highest seq afterwards. */
  private static long insertSqlite(
      Connection c,
      @Nullable StatementCache statements,
      Codes.Tx tx,
      List<EventRow> rows,
      long before,
      long recordedAtNs,
      List<EventRow> inserted)
      throws SQLException {
    if (rows.isEmpty()) {
      return before;
    }
    RollupWriter.Statements s = new RollupWriter.Statements(c, statements);
    try {
      PreparedStatement ps = s.get(SQLITE_INSERT);
      Varints.Sink buf = new Varints.Sink(2048);
      long seq = before;
      for (EventRow row : rows) {
        ps.setLong(1, ++seq);
        bindEvent(ps, 2, row, tx, recordedAtNs, buf);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      long after = before;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          inserted.add(rows.get(i));
          after = before + 1 + i;
        } else if (counts[i] != 0) {
          throw new SQLException("SQLite returned update count " + counts[i] + "; need 0 or 1");
        }
      }
      s.done();
      return after;
    } finally {
      s.close();
    }
  }

  private List<EventRow> insertPostgres(
      Connection c, Codes.Tx tx, List<EventRow> rows, long recordedAtNs) throws SQLException {
    Set<ByteBuffer> ids = new HashSet<>();
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
      Varints.Sink buf = new Varints.Sink(2048);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int p = 1;
        for (EventRow row : chunk) {
          p = bindEvent(ps, p, row, tx, recordedAtNs, buf);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(ByteBuffer.wrap(rs.getBytes(1)));
          }
        }
      }
    }
    return insertedOf(rows, ids);
  }

  static List<EventRow> insertedOf(List<EventRow> rows, Set<ByteBuffer> ids) {
    List<EventRow> inserted = new ArrayList<>(ids.size());
    for (EventRow row : rows) {
      if (ids.contains(ByteBuffer.wrap(row.id()))) {
        inserted.add(row);
      }
    }
    return inserted;
  }

  /** Binds the event columns from parameter {@code p}; returns the next parameter index. */
  static int bindEvent(
      PreparedStatement ps, int p, EventRow row, Codes.Tx tx, long recordedAtNs, Varints.Sink buf)
      throws SQLException {
    UsageEvent e = row.event();
    ps.setBytes(p++, row.id());
    ps.setLong(p++, row.occurredAtNs());
    ps.setString(p++, e.subject());
    ps.setInt(p++, tx.code(Codes.OPERATION, e.operation()));
    ps.setInt(p++, tx.code(Codes.MODEL, e.model()));
    ps.setInt(p++, tx.code(Codes.PROVIDER, e.provider()));
    ps.setInt(p++, Codes.outcome(e.outcome()));
    ps.setInt(p++, Codes.source(e.tokens().source()));
    ps.setLong(p++, e.tokens().input());
    ps.setLong(p++, e.tokens().cachedInput());
    ps.setLong(p++, e.tokens().cacheWrite());
    ps.setLong(p++, e.tokens().output());
    ps.setLong(p++, e.tokens().reasoning());
    ps.setLong(p++, row.durationNs());
    ps.setInt(p++, row.durationBucket());
    if (row.costNanos() == null) {
      ps.setNull(p++, Types.BIGINT);
    } else {
      ps.setLong(p++, row.costNanos());
    }
    ps.setInt(p++, tx.code(Codes.CURRENCY, row.currency()));
    ps.setInt(p++, tx.code(Codes.PRICE_VERSION, row.priceVersion()));
    ps.setBytes(p++, cold(row, recordedAtNs).pack(buf));
    return p;
  }

  static ColdFields cold(EventRow row, long recordedAtNs) {
    UsageEvent e = row.event();
    return new ColdFields(
        e.userEmail(),
        e.sessionId(),
        e.tenant(),
        e.error() == null ? null : e.error().type(),
        e.error() == null ? null : e.error().message(),
        e.traceId(),
        e.content().inputLength(),
        e.content().outputLength(),
        row.cost(),
        recordedAtNs,
        e.attributes());
  }

  private static void setText(PreparedStatement ps, int p, @Nullable String value)
      throws SQLException {
    if (value == null) {
      ps.setNull(p, Types.VARCHAR);
    } else {
      ps.setString(p, value);
    }
  }

  private static void insertContent(
      Connection c, @Nullable StatementCache statements, List<EventRow> inserted)
      throws SQLException {
    RollupWriter.Statements s = null;
    PreparedStatement ps = null;
    try {
      for (EventRow row : inserted) {
        var content = row.event().content();
        if (!content.hasText()) {
          continue;
        }
        if (ps == null) {
          s = new RollupWriter.Statements(c, statements);
          ps = s.get(CONTENT_INSERT);
        }
        ps.setBytes(1, row.id());
        ps.setLong(2, row.occurredAtNs());
        setText(ps, 3, content.inputText());
        setText(ps, 4, content.outputText());
        ps.addBatch();
      }
      if (ps != null) {
        ps.executeBatch();
        s.done();
      }
    } finally {
      if (s != null) {
        s.close();
      }
    }
  }

  private static TreeMap<RollupKey, Measures> deltas(List<EventRow> inserted, Codes.Tx tx)
      throws SQLException {
    TreeMap<RollupKey, Measures> deltas = new TreeMap<>();
    for (EventRow row : inserted) {
      deltas.computeIfAbsent(keyOf(row, tx), k -> new Measures()).add(row);
    }
    return deltas;
  }

  private static RollupKey keyOf(EventRow row, Codes.Tx tx) throws SQLException {
    UsageEvent e = row.event();
    return new RollupKey(
        row.hourStartNs(),
        e.subject(),
        tx.code(Codes.OPERATION, e.operation()),
        tx.code(Codes.MODEL, e.model()),
        Codes.outcome(e.outcome()),
        tx.code(Codes.CURRENCY, row.currency()));
  }

  /** Used by tests and benchmarks to empty the store between runs. */
  public static void truncateAll(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("DELETE FROM tally_event_content");
      st.execute("DELETE FROM tally_event");
      st.execute("DELETE FROM tally_rollup_hour");
      st.execute("UPDATE tally_rollup_mark SET seq = 0");
    }
  }
}
