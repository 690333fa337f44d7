package dev.tally.jdbc;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetWindow;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Budget definitions in the ledger's database (table {@code tally_budget}, created by the store's
 * migrations); their alerts go to {@link JdbcAlertOutbox}.
 *
 * <p>{@link #all()} is read after every stored batch and, with enforcement, on every guarded
 * request, so the list is kept in memory: a change through this store is seen at once, a change
 * made by another instance on the same database within the refresh interval (1 s by default).
 *
 * <p>Webhook secrets are stored as given: they are HMAC keys, needed in clear to sign deliveries.
 * Methods block on the database and throw {@link IllegalStateException} when it fails.
 */
public final class JdbcBudgetStore implements BudgetRepository {
  /** How long the list of budgets is served from memory by default. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(1);

  private final JdbcAccess db;
  private final long refreshNanos;
  private final LongSupplier ticker;
  private volatile @Nullable Loaded loaded;
  // Bumped by every change through this store: a list read before a change is never kept after it.
  private final AtomicLong changes = new AtomicLong();

  private record Loaded(List<Budget> budgets, long atNanos) {}

  private JdbcBudgetStore(JdbcAccess db, Duration refresh, LongSupplier ticker) {
    if (refresh.isNegative()) {
      throw new IllegalArgumentException("refresh must not be negative, was " + refresh);
    }
    this.db = db;
    this.refreshNanos = refresh.toNanos();
    this.ticker = ticker;
  }

  /** Budgets in the database of {@code store}. */
  public static JdbcBudgetStore on(JdbcUsageStore store) {
    return on(store, DEFAULT_REFRESH, System::nanoTime);
  }

  /**
   * Budgets in the database of {@code store}, the list re-read from the database at most every
   * {@code refresh} ({@link Duration#ZERO}: on every call) as measured by {@code ticker} (nanos).
   */
  public static JdbcBudgetStore on(JdbcUsageStore store, Duration refresh, LongSupplier ticker) {
    return new JdbcBudgetStore(new JdbcAccess(store.connections()), refresh, ticker);
  }

  // ------------------------------------------------------------------ budgets

  @Override
  public List<Budget> all() {
    Loaded current = loaded;
    long now = ticker.getAsLong();
    if (current != null && now - current.atNanos() < refreshNanos) {
      return current.budgets();
    }
    long changesBefore = changes.get();
    List<Budget> fresh =
        List.copyOf(
            db.query("SELECT * FROM tally_budget ORDER BY id", ps -> {}, JdbcBudgetStore::budget));
    synchronized (changes) {
      if (changes.get() == changesBefore) {
        loaded = new Loaded(fresh, now);
      }
    }
    return fresh;
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
    forget();
  }

  private void forget() {
    synchronized (changes) {
      changes.incrementAndGet();
      loaded = null;
    }
  }

  @Override
  public boolean delete(String id) {
    boolean deleted =
        db.update("DELETE FROM tally_budget WHERE id = ?", ps -> ps.setString(1, id)) > 0;
    forget();
    return deleted;
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
