package dev.tally.jdbc;

import dev.tally.core.budget.ReservationStore;
import dev.tally.core.budget.ReservationStoreException;
import dev.tally.jdbc.internal.Connections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Budget reservations in the ledger's database (tables {@code tally_budget_account} and {@code
 * tally_reservation}, migration V10), shared by every instance on the same PostgreSQL database; on
 * SQLite, by the processes sharing the file.
 *
 * <p>The admission check is one conditional update per budget:
 *
 * <pre>
 * UPDATE tally_budget_account SET reserved_units = reserved_units + :estimate
 *  WHERE budget_id = :budget AND window_start_ns = :window
 *    AND committed_units + reserved_units + :estimate &lt;= :limit
 * RETURNING limit_units, committed_units, reserved_units
 * </pre>
 *
 * PostgreSQL serializes updates of one row and re-checks the condition on the row a concurrent
 * transaction left, so the same headroom can never be taken twice; zero rows means no room, and the
 * request's transaction (its reservation rows and any other budget's reservation) is rolled back.
 * Settling moves the estimate out of {@code reserved} and the actual amount into {@code committed},
 * guarded by the reservation row's state, so a replay finds nothing to do.
 *
 * <p>Every method runs in one transaction on the store's connections and throws {@link
 * ReservationStoreException} when the database fails (after rolling back).
 */
public final class JdbcReservationStore implements ReservationStore {
  private static final String RESERVED = "R";
  private static final String DISPATCHED = "D";
  private static final String SETTLED = "S";
  private static final String EXPIRED = "X";
  private static final String RELEASED = "L";

  private final Connections connections;

  private JdbcReservationStore(Connections connections) {
    this.connections = connections;
  }

  /** Reservations in the database of {@code store}. */
  public static JdbcReservationStore on(JdbcUsageStore store) {
    return new JdbcReservationStore(store.connections());
  }

  @Override
  public Reservation reserve(String requestId, List<Hold> holds, Instant now) {
    return inTransaction(
        c -> {
          Account last = new Account(0, 0, 0);
          boolean first = true;
          for (Hold h : holds) {
            if (!insertReservation(c, requestId, h, now)) {
              if (first) {
                // This request was reserved before: reserve nothing again.
                return new Reservation(true, null, account(c, h.budgetId(), h.windowStart()));
              }
              continue;
            }
            first = false;
            Account reserved = tryReserve(c, h);
            if (reserved == null) {
              // No row yet, or a row another transaction created after our update looked: the
              // second update decides (on a full account it refuses again).
              if (existing(c, h.budgetId(), h.windowStart()) == null) {
                createAccount(c, h);
              }
              reserved = tryReserve(c, h);
            }
            if (reserved == null) {
              Account refused = account(c, h.budgetId(), h.windowStart());
              c.rollback();
              return new Reservation(false, h.budgetId(), refused);
            }
            last = reserved;
          }
          return new Reservation(true, null, last);
        });
  }

  private static boolean insertReservation(Connection c, String requestId, Hold h, Instant now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO tally_reservation (request_id, budget_id, window_start_ns, measure,"
                + " estimate_units, state, created_at_ns) VALUES (?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (request_id, budget_id) DO NOTHING")) {
      ps.setString(1, requestId);
      ps.setString(2, h.budgetId());
      ps.setLong(3, nanos(h.windowStart()));
      ps.setString(4, h.measure().name());
      ps.setLong(5, h.estimate());
      ps.setString(6, RESERVED);
      ps.setLong(7, nanos(now));
      return ps.executeUpdate() == 1;
    }
  }

  private static @Nullable Account tryReserve(Connection c, Hold h) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE tally_budget_account SET reserved_units = reserved_units + ?, limit_units = ?"
                + " WHERE budget_id = ? AND window_start_ns = ?"
                + " AND committed_units + reserved_units + ? <= ?"
                + " RETURNING limit_units, committed_units, reserved_units")) {
      ps.setLong(1, h.estimate());
      ps.setLong(2, h.limit());
      ps.setString(3, h.budgetId());
      ps.setLong(4, nanos(h.windowStart()));
      ps.setLong(5, h.estimate());
      ps.setLong(6, h.limit());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Account(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
      }
    }
  }

  private static void createAccount(Connection c, Hold h) throws SQLException {
    long seed = Math.max(0, h.seed().getAsLong());
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO tally_budget_account (budget_id, window_start_ns, limit_units,"
                + " committed_units, reserved_units) VALUES (?, ?, ?, ?, 0)"
                + " ON CONFLICT (budget_id, window_start_ns) DO NOTHING")) {
      ps.setString(1, h.budgetId());
      ps.setLong(2, nanos(h.windowStart()));
      ps.setLong(3, h.limit());
      ps.setLong(4, seed);
      ps.executeUpdate();
    }
  }

  @Override
  public boolean dispatched(String requestId, Instant now) {
    return inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE tally_reservation SET state = ? WHERE request_id = ? AND state = ?")) {
            ps.setString(1, DISPATCHED);
            ps.setString(2, requestId);
            ps.setString(3, RESERVED);
            return ps.executeUpdate() > 0;
          }
        });
  }

  @Override
  public boolean settle(String requestId, long actualTokens, long actualCostMicros, Instant now) {
    if (actualTokens < 0 || actualCostMicros < 0) {
      throw new IllegalArgumentException(
          "actual amounts must be >= 0, was " + actualTokens + " tokens, " + actualCostMicros);
    }
    return inTransaction(
        c ->
            end(
                c,
                requestId,
                SETTLED,
                "CASE WHEN measure = 'TOKENS' THEN "
                    + actualTokens
                    + " ELSE "
                    + actualCostMicros
                    + " END",
                now,
                RESERVED,
                DISPATCHED));
  }

  @Override
  public boolean release(String requestId, Instant now) {
    return inTransaction(c -> end(c, requestId, RELEASED, "0", now, RESERVED, DISPATCHED));
  }

  @Override
  public SweepResult sweep(Instant reservedBefore, Instant now) {
    Map<String, String> open =
        inTransaction(
            c -> {
              Map<String, String> found = new LinkedHashMap<>();
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT request_id, state FROM tally_reservation"
                          + " WHERE state IN (?, ?) AND created_at_ns < ?")) {
                ps.setString(1, RESERVED);
                ps.setString(2, DISPATCHED);
                ps.setLong(3, nanos(reservedBefore));
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    found.merge(
                        rs.getString(1), rs.getString(2), (a, b) -> DISPATCHED.equals(a) ? a : b);
                  }
                }
              }
              return found;
            });
    int settled = 0;
    int released = 0;
    for (Map.Entry<String, String> e : open.entrySet()) {
      String id = e.getKey();
      if (DISPATCHED.equals(e.getValue())) {
        if (inTransaction(c -> end(c, id, EXPIRED, "estimate_units", now, DISPATCHED))) {
          settled++;
        }
      } else if (inTransaction(c -> end(c, id, RELEASED, "0", now, RESERVED))) {
        released++;
      }
    }
    return new SweepResult(settled, released);
  }

  /**
   * Ends the request's open reservations in {@code from} states: the new state and actual amount on
   * the reservation rows, then each account's estimate out of {@code reserved} and the actual
   * amount into {@code committed}. {@code actualSql} is built from longs and column names only.
   */
  private static boolean end(
      Connection c, String requestId, String state, String actualSql, Instant now, String... from)
      throws SQLException {
    List<long[]> deltas = new ArrayList<>();
    List<String> budgets = new ArrayList<>();
    String states = String.join(", ", java.util.Collections.nCopies(from.length, "?"));
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE tally_reservation SET state = ?, actual_units = "
                + actualSql
                + ", ended_at_ns = ? WHERE request_id = ? AND state IN ("
                + states
                + ") RETURNING budget_id, window_start_ns, estimate_units, actual_units")) {
      ps.setString(1, state);
      ps.setLong(2, nanos(now));
      ps.setString(3, requestId);
      for (int i = 0; i < from.length; i++) {
        ps.setString(4 + i, from[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          budgets.add(rs.getString(1));
          deltas.add(new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
        }
      }
    }
    for (int i = 0; i < budgets.size(); i++) {
      long[] d = deltas.get(i);
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE tally_budget_account SET reserved_units = reserved_units - ?,"
                  + " committed_units = committed_units + ?"
                  + " WHERE budget_id = ? AND window_start_ns = ?")) {
        ps.setLong(1, d[1]);
        ps.setLong(2, d[2]);
        ps.setString(3, budgets.get(i));
        ps.setLong(4, d[0]);
        ps.executeUpdate();
      }
    }
    return !budgets.isEmpty();
  }

  @Override
  public Account account(String budgetId, Instant windowStart) {
    return inTransaction(c -> account(c, budgetId, windowStart));
  }

  private static Account account(Connection c, String budgetId, Instant windowStart)
      throws SQLException {
    Account a = existing(c, budgetId, windowStart);
    return a == null ? new Account(0, 0, 0) : a;
  }

  private static @Nullable Account existing(Connection c, String budgetId, Instant windowStart)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT limit_units, committed_units, reserved_units FROM tally_budget_account"
                + " WHERE budget_id = ? AND window_start_ns = ?")) {
      ps.setString(1, budgetId);
      ps.setLong(2, nanos(windowStart));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Account(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
      }
    }
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T inTransaction(Work<T> work) {
    Connection c;
    try {
      c = connections.borrow();
    } catch (SQLException e) {
      throw new ReservationStoreException(
          "cannot reach the reservation tables: " + e.getMessage(), e);
    }
    try {
      c.setAutoCommit(false);
      T result = work.run(c);
      c.commit();
      c.setAutoCommit(true);
      connections.release(c);
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is discarded below
      }
      connections.discard(c);
      throw new ReservationStoreException("reservation failed: " + e.getMessage(), e);
    }
  }

  private static long nanos(Instant instant) {
    return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
  }
}
