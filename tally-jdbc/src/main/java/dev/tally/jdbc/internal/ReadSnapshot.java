package dev.tally.jdbc.internal;

import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.jdbc.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs reports in one read transaction, so that they see the same committed batches. On SQLite a
 * deferred transaction (WAL: it holds a read snapshot, never the write lock; the store's URL
 * connections begin write transactions IMMEDIATE, so this one is started by statement, not by
 * turning auto-commit off); on PostgreSQL a {@code REPEATABLE READ} transaction.
 */
public final class ReadSnapshot {
  private ReadSnapshot() {}

  public static List<UsageReport> read(
      Connection c, Dialect dialect, List<UsageQuery> queries, ReportEngine engine, Codes codes)
      throws SQLException {
    boolean tail = dialect == Dialect.SQLITE;
    for (UsageQuery q : queries) {
      ReportPlan.of(q); // refuses a bad query before any transaction starts
    }
    List<UsageReport> out = new ArrayList<>(queries.size());
    if (dialect == Dialect.SQLITE) {
      execute(c, "BEGIN DEFERRED");
      boolean done = false;
      try {
        for (UsageQuery q : queries) {
          out.add(engine.report(c, q, codes, tail));
        }
        execute(c, "COMMIT");
        done = true;
      } finally {
        if (!done) {
          rollbackQuietly(c, "ROLLBACK");
        }
      }
      return out;
    }
    int isolation = c.getTransactionIsolation();
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    boolean done = false;
    try {
      for (UsageQuery q : queries) {
        out.add(engine.report(c, q, codes, tail));
      }
      c.commit();
      done = true;
    } finally {
      if (!done) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the caller discards the connection
        }
      }
      c.setTransactionIsolation(isolation);
      c.setAutoCommit(true);
    }
    return out;
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static void rollbackQuietly(Connection c, String sql) {
    try {
      execute(c, sql);
    } catch (SQLException ignored) {
      // the caller discards the connection on SQLException
    }
  }
}
