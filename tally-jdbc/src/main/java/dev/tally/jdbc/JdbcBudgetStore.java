package dev.tally.jdbc;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetWindow;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Budget definitions in the ledger's database (table {@code tally_budget}, created by the store's
 * migrations); their alerts go to {@link JdbcAlertOutbox}.
 *
 * <p>Webhook secrets are stored as given: they are HMAC keys, needed in clear to sign deliveries.
 * Methods block on the database and throw {@link IllegalStateException} when it fails.
 */
public final class JdbcBudgetStore implements BudgetRepository {
  private final JdbcAccess db;

  private JdbcBudgetStore(JdbcAccess db) {
    this.db = db;
  }

  /** Budgets in the database of {@code store}. */
  public static JdbcBudgetStore on(JdbcUsageStore store) {
    return new JdbcBudgetStore(new JdbcAccess(store.connections()));
  }

  // ------------------------------------------------------------------ budgets

  @Override
  public List<Budget> all() {
    return db.query("SELECT * FROM tally_budget ORDER BY id", ps -> {}, JdbcBudgetStore::budget);
  }

  @Override
  public Optional<Budget> find(String id) {
    return db
        .query(
            "SELECT * FROM tally_budget WHERE id = ?",
            ps -> ps.setString(1, id),
            JdbcBudgetStore::budget)
        .stream()
        .findFirst();
  }

  @Override
  public void put(Budget b) {
    String sql =
        "INSERT INTO tally_budget (id, subject, measure, limit_amount, currency, window_kind,"
            + " window_zone, rolling_hours, thresholds, action, webhook_url, webhook_secret)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            + " subject = excluded.subject, measure = excluded.measure,"
            + " limit_amount = excluded.limit_amount, currency = excluded.currency,"
            + " window_kind = excluded.window_kind, window_zone = excluded.window_zone,"
            + " rolling_hours = excluded.rolling_hours, thresholds = excluded.thresholds,"
            + " action = excluded.action, webhook_url = excluded.webhook_url,"
            + " webhook_secret = excluded.webhook_secret";
    db.update(
        sql,
        ps -> {
          ps.setString(1, b.id());
          ps.setString(2, b.subject());
          ps.setString(3, b.measure().name());
          ps.setString(4, b.limit().toPlainString());
          JdbcAccess.setNullable(ps, 5, b.currency());
          if (b.window() instanceof BudgetWindow.Calendar calendar) {
            ps.setString(6, calendar.unit().name());
            ps.setString(7, calendar.zone().getId());
            ps.setNull(8, Types.INTEGER);
          } else {
            ps.setString(6, "ROLLING");
            ps.setNull(7, Types.VARCHAR);
            ps.setInt(8, (int) ((BudgetWindow.Rolling) b.window()).length().toHours());
          }
          ps.setString(
              9, b.thresholds().stream().map(String::valueOf).collect(Collectors.joining(",")));
          ps.setString(10, b.action().name());
          JdbcAccess.setNullable(ps, 11, b.webhook() == null ? null : b.webhook().url());
          JdbcAccess.setNullable(ps, 12, b.webhook() == null ? null : b.webhook().secret());
        });
  }

  @Override
  public boolean delete(String id) {
    return db.update("DELETE FROM tally_budget WHERE id = ?", ps -> ps.setString(1, id)) > 0;
  }

  private static Budget budget(ResultSet rs) throws SQLException {
    String kind = rs.getString("window_kind");
    BudgetWindow window =
        switch (kind) {
          case "ROLLING" -> BudgetWindow.rollingHours(rs.getInt("rolling_hours"));
          case "DAY" -> BudgetWindow.day(ZoneId.of(rs.getString("window_zone")));
          case "WEEK" -> BudgetWindow.week(ZoneId.of(rs.getString("window_zone")));
          case "MONTH" -> BudgetWindow.month(ZoneId.of(rs.getString("window_zone")));
          default -> throw new SQLException("unknown window kind " + kind);
        };
    String url = rs.getString("webhook_url");
    return new Budget(
        rs.getString("id"),
        rs.getString("subject"),
        Budget.Measure.valueOf(rs.getString("measure")),
        new BigDecimal(rs.getString("limit_amount")),
        rs.getString("currency"),
        window,
        Arrays.stream(rs.getString("thresholds").split(",")).map(Integer::valueOf).toList(),
        Budget.Action.valueOf(rs.getString("action")),
        url == null ? null : new Budget.Webhook(url, rs.getString("webhook_secret")));
  }
}
