package dev.tally.jdbc.internal;

import dev.tally.core.event.UsageEvent;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The COPY path for PostgreSQL: rows are streamed (text format, {@code bytea} as hex) into a
 * session temporary table, then moved with one {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING
 * RETURNING id}. Only loaded when that mode is chosen, so the PostgreSQL driver stays optional.
 */
final class PostgresCopy {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private PostgresCopy() {}

  static List<EventRow> insert(Connection c, Codes.Tx tx, List<EventRow> rows, long recordedAtNs)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE IF NOT EXISTS tally_event_stage3 (id BYTEA, occurred_at_ns BIGINT,"
              + " subject TEXT, operation INTEGER, model INTEGER, provider INTEGER,"
              + " outcome SMALLINT, token_source SMALLINT, input_tokens BIGINT,"
              + " cached_input_tokens BIGINT, cache_write_tokens BIGINT, output_tokens BIGINT,"
              + " reasoning_tokens BIGINT, duration_ns BIGINT, duration_bucket SMALLINT,"
              + " cost_nanos BIGINT, currency INTEGER, price_version INTEGER, cold BYTEA)"
              + " ON COMMIT DELETE ROWS");
    }
    StringBuilder sb = new StringBuilder(rows.size() * 512);
    for (EventRow row : rows) {
      appendRow(sb, row, tx, recordedAtNs);
    }
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    try {
      copy.copyIn(
          "COPY tally_event_stage3 (" + EventWriter.EVENT_COLUMNS + ") FROM STDIN",
          new StringReader(sb.toString()));
    } catch (IOException e) {
      throw new SQLException("COPY failed: " + e.getMessage(), e);
    }
    Set<ByteBuffer> ids = new HashSet<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "INSERT INTO tally_event ("
                    + EventWriter.EVENT_COLUMNS
                    + ") SELECT "
                    + EventWriter.EVENT_COLUMNS
                    + " FROM tally_event_stage3 ON CONFLICT (id) DO NOTHING RETURNING id")) {
      while (rs.next()) {
        ids.add(ByteBuffer.wrap(rs.getBytes(1)));
      }
    }
    return EventWriter.insertedOf(rows, ids);
  }

  private static void appendRow(StringBuilder sb, EventRow row, Codes.Tx tx, long recordedAtNs)
      throws SQLException {
    UsageEvent e = row.event();
    bytes(sb, row.id());
    num(sb, row.occurredAtNs());
    text(sb, e.subject());
    num(sb, tx.code(Codes.OPERATION, e.operation()));
    num(sb, tx.code(Codes.MODEL, e.model()));
    num(sb, tx.code(Codes.PROVIDER, e.provider()));
    num(sb, Codes.outcome(e.outcome()));
    num(sb, Codes.source(e.tokens().source()));
    num(sb, e.tokens().input());
    num(sb, e.tokens().cachedInput());
    num(sb, e.tokens().cacheWrite());
    num(sb, e.tokens().output());
    num(sb, e.tokens().reasoning());
    num(sb, row.durationNs());
    num(sb, row.durationBucket());
    if (row.costNanos() == null) {
      sb.append("\\N\t");
    } else {
      num(sb, row.costNanos());
    }
    num(sb, tx.code(Codes.CURRENCY, row.currency()));
    num(sb, tx.code(Codes.PRICE_VERSION, row.priceVersion()));
    bytes(sb, EventWriter.cold(row, recordedAtNs).pack());
    sb.setCharAt(sb.length() - 1, '\n');
  }

  private static void num(StringBuilder sb, long v) {
    sb.append(v).append('\t');
  }

  /** bytea in hex input form, its backslash escaped for the COPY text format. */
  private static void bytes(StringBuilder sb, byte[] b) {
    sb.append("\\\\x");
    for (byte x : b) {
      sb.append(HEX[(x >> 4) & 0xF]).append(HEX[x & 0xF]);
    }
    sb.append('\t');
  }

  private static void text(StringBuilder sb, String v) {
    // Copy runs of plain characters in one call; only the rare escapes go char by char.
    int run = 0;
    for (int i = 0; i < v.length(); i++) {
      char ch = v.charAt(i);
      if (ch != '\\' && ch != '\t' && ch != '\n' && ch != '\r') {
        continue;
      }
      sb.append(v, run, i);
      run = i + 1;
      switch (ch) {
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        default -> sb.append("\\r");
      }
    }
    sb.append(v, run, v.length());
    sb.append('\t');
  }
}
