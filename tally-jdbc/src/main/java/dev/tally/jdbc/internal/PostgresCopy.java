package dev.tally.jdbc.internal;

import dev.tally.core.UsageEvent;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The COPY path for PostgreSQL: rows are streamed into a session temporary table, then moved with
 * one {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING id}. Only loaded when that mode
 * is chosen, so the PostgreSQL driver stays optional.
 */
final class PostgresCopy {
  private PostgresCopy() {}

  static List<EventRow> insert(Connection c, List<EventRow> rows, long recordedAtNs)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TEMP TABLE IF NOT EXISTS tally_event_stage"
              + " (LIKE tally_event INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
    }
    StringBuilder sb = new StringBuilder(rows.size() * 512);
    for (EventRow row : rows) {
      appendRow(sb, row, recordedAtNs);
    }
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    try {
      copy.copyIn(
          "COPY tally_event_stage (" + EventWriter.EVENT_COLUMNS + ") FROM STDIN",
          new StringReader(sb.toString()));
    } catch (IOException e) {
      throw new SQLException("COPY failed: " + e.getMessage(), e);
    }
    Set<String> ids = new HashSet<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "INSERT INTO tally_event ("
                    + EventWriter.EVENT_COLUMNS
                    + ") SELECT "
                    + EventWriter.EVENT_COLUMNS
                    + " FROM tally_event_stage ON CONFLICT (id) DO NOTHING RETURNING id")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
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

  private static void appendRow(StringBuilder sb, EventRow row, long recordedAtNs) {
    UsageEvent e = row.event();
    text(sb, e.id());
    num(sb, row.occurredAtNs());
    text(sb, e.operation());
    text(sb, e.subject());
    text(sb, e.userEmail());
    text(sb, e.sessionId());
    text(sb, e.tenant());
    text(sb, e.model());
    text(sb, e.provider());
    num(sb, e.tokens().input());
    num(sb, e.tokens().cachedInput());
    num(sb, e.tokens().cacheWrite());
    num(sb, e.tokens().output());
    num(sb, e.tokens().reasoning());
    text(sb, e.tokens().source().name());
    num(sb, row.durationNs());
    num(sb, row.durationBucket());
    text(sb, e.outcome().name());
    text(sb, e.error() == null ? null : e.error().type());
    text(sb, e.error() == null ? null : e.error().message());
    text(sb, row.attributesJson());
    text(sb, e.traceId());
    num(sb, e.content().inputLength());
    num(sb, e.content().outputLength());
    text(sb, row.cost());
    if (row.costNanos() == null) {
      sb.append("\\N\t");
    } else {
      num(sb, row.costNanos());
    }
    text(sb, row.currency());
    text(sb, row.priceVersion());
    sb.append(recordedAtNs).append('\n');
  }

  private static void num(StringBuilder sb, long v) {
    sb.append(v).append('\t');
  }

  private static void text(StringBuilder sb, @Nullable String v) {
    if (v == null) {
      sb.append("\\N\t");
      return;
    }
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
