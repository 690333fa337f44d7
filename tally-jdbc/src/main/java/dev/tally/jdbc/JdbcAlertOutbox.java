package dev.tally.jdbc;

import dev.tally.core.budget.Alert;
import dev.tally.core.budget.AlertOutbox;
import dev.tally.core.budget.Budget;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * The alert outbox in the ledger's database (table {@code tally_alert}). Its once-only gate is the
 * table's primary key ({@code INSERT ... ON CONFLICT DO NOTHING}), so a threshold fires once per
 * window across restarts, replays and several application instances sharing the database. Methods
 * block on the database and throw {@link IllegalStateException} when it fails.
 */
public final class JdbcAlertOutbox implements AlertOutbox {
  private static final String ALERT_COLUMNS =
      "id, budget_id, subject, threshold, measure, spent, limit_amount, currency, window_start,"
          + " window_end, fired_at, attempts, delivered_at, last_error";

  private final JdbcAccess db;

  private JdbcAlertOutbox(JdbcAccess db) {
    this.db = db;
  }

  /** The outbox in the database of {@code store}. */
  public static JdbcAlertOutbox on(JdbcUsageStore store) {
    return new JdbcAlertOutbox(new JdbcAccess(store.connections()));
  }

  @Override
  public boolean enqueue(Alert a) {
    String sql =
        "INSERT INTO tally_alert (id, budget_id, subject, threshold, measure, spent, limit_amount,"
            + " currency, window_start, window_end, fired_at, attempts, next_attempt_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (id) DO NOTHING";
    return db.update(
            sql,
            ps -> {
              ps.setString(1, a.id());
              ps.setString(2, a.budgetId());
              ps.setString(3, a.subject());
              ps.setInt(4, a.threshold());
              ps.setString(5, a.measure().name());
              ps.setString(6, a.spent().toPlainString());
              ps.setString(7, a.limit().toPlainString());
              JdbcAccess.setNullable(ps, 8, a.currency());
              ps.setLong(9, a.windowStart().toEpochMilli());
              ps.setLong(10, a.windowEnd().toEpochMilli());
              ps.setLong(11, a.firedAt().toEpochMilli());
              ps.setLong(12, a.firedAt().toEpochMilli());
            })
        == 1;
  }

  @Override
  public List<Pending> due(Instant now, int limit) {
    return db.query(
        "SELECT "
            + ALERT_COLUMNS
            + " FROM tally_alert WHERE delivered_at IS NULL AND next_attempt_at <= ?"
            + " ORDER BY fired_at, id LIMIT ?",
        ps -> {
          ps.setLong(1, now.toEpochMilli());
          ps.setInt(2, limit);
        },
        rs -> new Pending(alert(rs), rs.getInt("attempts")));
  }

  @Override
  public void delivered(String alertId, Instant at) {
    db.update(
        "UPDATE tally_alert SET attempts = attempts + 1, delivered_at = ?, last_error = NULL"
            + " WHERE id = ?",
        ps -> {
          ps.setLong(1, at.toEpochMilli());
          ps.setString(2, alertId);
        });
  }

  @Override
  public void failed(String alertId, Instant nextAttemptAt, String error) {
    db.update(
        "UPDATE tally_alert SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
            + " WHERE id = ?",
        ps -> {
          ps.setLong(1, nextAttemptAt.toEpochMilli());
          ps.setString(2, error.length() > 1024 ? error.substring(0, 1024) : error);
          ps.setString(3, alertId);
        });
  }

  @Override
  public List<Entry> recent(int limit) {
    return db.query(
        "SELECT " + ALERT_COLUMNS + " FROM tally_alert ORDER BY fired_at DESC, id LIMIT ?",
        ps -> ps.setInt(1, limit),
        rs -> {
          long delivered = rs.getLong("delivered_at");
          Instant deliveredAt = rs.wasNull() ? null : Instant.ofEpochMilli(delivered);
          return new Entry(
              alert(rs), rs.getInt("attempts"), deliveredAt, rs.getString("last_error"));
        });
  }

  private static Alert alert(ResultSet rs) throws SQLException {
    return new Alert(
        rs.getString("id"),
        rs.getString("budget_id"),
        rs.getString("subject"),
        rs.getInt("threshold"),
        Budget.Measure.valueOf(rs.getString("measure")),
        new BigDecimal(rs.getString("spent")),
        new BigDecimal(rs.getString("limit_amount")),
        rs.getString("currency"),
        Instant.ofEpochMilli(rs.getLong("window_start")),
        Instant.ofEpochMilli(rs.getLong("window_end")),
        Instant.ofEpochMilli(rs.getLong("fired_at")));
  }
}
