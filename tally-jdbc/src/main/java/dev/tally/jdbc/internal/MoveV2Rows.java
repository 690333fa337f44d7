package dev.tally.jdbc.internal;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.UsageSource;
import dev.tally.jdbc.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Migration 3.1: moves the rows of the V2 tables (renamed to {@code *_v2} by V3) into the compact
 * layout and drops them. Events keep every field (ids encoded by {@link EventIds}, text codes from
 * {@link Codes}, cold fields packed by {@link ColdFields}); rollups move as they are, their 82
 * histogram columns becoming one histogram; the mark is set past every moved event, since the V2
 * rollups already counted them. Runs in Flyway's transaction, in batches of rows.
 */
public final class MoveV2Rows implements JavaMigration {
  private static final int BATCH = 1000;

  private final Dialect dialect;

  public MoveV2Rows(Dialect dialect) {
    this.dialect = dialect;
  }

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("3.1");
  }

  @Override
  public String getDescription() {
    return "move v2 rows";
  }

  @Override
  public Integer getChecksum() {
    return null;
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    Codes codes = new Codes();
    Codes.Tx tx = codes.begin(c, null);
    long moved = moveEvents(c, tx);
    moveContent(c);
    moveRollups(c, tx);
    try (PreparedStatement ps = c.prepareStatement("UPDATE tally_rollup_mark SET seq = ?")) {
      ps.setLong(1, moved);
      ps.executeUpdate();
    }
    try (Statement st = c.createStatement()) {
      st.execute("DROP TABLE tally_event_content_v2");
      st.execute("DROP TABLE tally_event_v2");
      st.execute("DROP TABLE tally_rollup_hour_v2");
    }
  }

  private long moveEvents(Connection c, Codes.Tx tx) throws SQLException {
    boolean sqlite = dialect == Dialect.SQLITE;
    String insert =
        "INSERT INTO tally_event ("
            + (sqlite ? "seq, " : "")
            + EventWriter.EVENT_COLUMNS
            + ") VALUES ("
            + (sqlite ? "?, " : "")
            + EventWriter.placeholders(EventWriter.EVENT_COLUMN_COUNT)
            + ")";
    long seq = 0;
    try (Statement st = c.createStatement();
        PreparedStatement ps = c.prepareStatement(insert)) {
      st.setFetchSize(BATCH);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT id, occurred_at_ns, operation, subject, user_email, session_id, tenant, model,"
                  + " provider, input_tokens, cached_input_tokens, cache_write_tokens,"
                  + " output_tokens, reasoning_tokens, token_source, duration_ns, duration_bucket,"
                  + " outcome, error_type, error_message, attributes, trace_id, input_length,"
                  + " output_length, cost, cost_nanos, currency, price_version, recorded_at_ns"
                  + " FROM tally_event_v2 ORDER BY occurred_at_ns, id")) {
        int pending = 0;
        while (rs.next()) {
          seq++;
          int p = 1;
          if (sqlite) {
            ps.setLong(p++, seq);
          }
          ps.setBytes(p++, EventIds.encode(rs.getString("id")));
          ps.setLong(p++, rs.getLong("occurred_at_ns"));
          ps.setString(p++, rs.getString("subject"));
          ps.setInt(p++, tx.code(Codes.OPERATION, rs.getString("operation")));
          ps.setInt(p++, tx.code(Codes.MODEL, rs.getString("model")));
          ps.setInt(p++, tx.code(Codes.PROVIDER, rs.getString("provider")));
          ps.setInt(p++, Codes.outcome(Outcome.valueOf(rs.getString("outcome"))));
          ps.setInt(p++, Codes.source(UsageSource.valueOf(rs.getString("token_source"))));
          ps.setLong(p++, rs.getLong("input_tokens"));
          ps.setLong(p++, rs.getLong("cached_input_tokens"));
          ps.setLong(p++, rs.getLong("cache_write_tokens"));
          ps.setLong(p++, rs.getLong("output_tokens"));
          ps.setLong(p++, rs.getLong("reasoning_tokens"));
          ps.setLong(p++, rs.getLong("duration_ns"));
          ps.setInt(p++, rs.getInt("duration_bucket"));
          long costNanos = rs.getLong("cost_nanos");
          if (rs.wasNull()) {
            ps.setNull(p++, Types.BIGINT);
          } else {
            ps.setLong(p++, costNanos);
          }
          ps.setInt(p++, tx.code(Codes.CURRENCY, rs.getString("currency")));
          ps.setInt(p++, tx.code(Codes.PRICE_VERSION, rs.getString("price_version")));
          ColdFields cold =
              new ColdFields(
                  rs.getString("user_email"),
                  rs.getString("session_id"),
                  rs.getString("tenant"),
                  rs.getString("error_type"),
                  rs.getString("error_message"),
                  rs.getString("trace_id"),
                  rs.getInt("input_length"),
                  rs.getInt("output_length"),
                  rs.getString("cost"),
                  rs.getLong("recorded_at_ns"),
                  AttributesCodec.decode(rs.getString("attributes")));
          ps.setBytes(p, cold.pack());
          ps.addBatch();
          if (++pending == BATCH) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) {
          ps.executeBatch();
        }
      }
    }
    return seq;
  }

  private static void moveContent(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO tally_event_content (id, occurred_at_ns, input_text, output_text)"
                    + " VALUES (?, ?, ?, ?)")) {
      st.setFetchSize(BATCH);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT id, occurred_at_ns, input_text, output_text FROM tally_event_content_v2")) {
        int pending = 0;
        while (rs.next()) {
          ps.setBytes(1, EventIds.encode(rs.getString(1)));
          ps.setLong(2, rs.getLong(2));
          ps.setString(3, rs.getString(3));
          ps.setString(4, rs.getString(4));
          ps.addBatch();
          if (++pending == BATCH) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) {
          ps.executeBatch();
        }
      }
    }
  }

  private void moveRollups(Connection c, Codes.Tx tx) throws SQLException {
    StringBuilder select =
        new StringBuilder(
            "SELECT hour_start_ns, subject, operation, model, outcome, currency, requests, errors,"
                + " input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
                + " reasoning_tokens, tokens_missing, cost_nanos, unpriced, duration_sum_us,"
                + " duration_max_ns");
    for (int b = 0; b < DurationHistogram.BUCKETS; b++) {
      select.append(b < 10 ? ", h0" : ", h").append(b);
    }
    select.append(" FROM tally_rollup_hour_v2");
    try (Statement st = c.createStatement();
        PreparedStatement ps = c.prepareStatement(RollupWriter.insertSql(dialect))) {
      st.setFetchSize(BATCH);
      try (ResultSet rs = st.executeQuery(select.toString())) {
        int pending = 0;
        while (rs.next()) {
          RollupKey key =
              new RollupKey(
                  rs.getLong(1),
                  rs.getString(2),
                  tx.code(Codes.OPERATION, rs.getString(3)),
                  tx.code(Codes.MODEL, rs.getString(4)),
                  Codes.outcome(Outcome.valueOf(rs.getString(5))),
                  tx.code(Codes.CURRENCY, rs.getString(6)));
          Measures m = new Measures();
          int col = 7;
          m.requests = rs.getLong(col++);
          m.errors = rs.getLong(col++);
          m.input = rs.getLong(col++);
          m.cachedInput = rs.getLong(col++);
          m.cacheWrite = rs.getLong(col++);
          m.output = rs.getLong(col++);
          m.reasoning = rs.getLong(col++);
          m.tokensMissing = rs.getLong(col++);
          m.costNanos = rs.getLong(col++);
          m.unpriced = rs.getLong(col++);
          m.durationSumUs = rs.getLong(col++);
          m.durationMaxNs = rs.getLong(col++);
          for (int b = 0; b < DurationHistogram.BUCKETS; b++) {
            m.histogram[b] = rs.getLong(col++);
          }
          RollupWriter.bindInsert(dialect, ps, key, m);
          ps.addBatch();
          if (++pending == BATCH) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) {
          ps.executeBatch();
        }
      }
    }
  }
}
