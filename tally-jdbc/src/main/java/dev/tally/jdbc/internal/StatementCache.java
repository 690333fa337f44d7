package dev.tally.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prepared statements kept open on one SQLite connection the store owns, so the writer does not
 * compile the same upserts again for every batch (the SQLite driver has no statement cache, and
 * compiling an upsert of the wide rollup row costs about as much as running it ten times). The
 * least recently used statement is closed past {@value #MAX_STATEMENTS}. Used by one thread at a
 * time: the one that borrowed the connection.
 */
public final class StatementCache {
  static final int MAX_STATEMENTS = 128;

  private final Connection connection;
  private final LinkedHashMap<String, PreparedStatement> statements =
      new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
          if (size() > MAX_STATEMENTS) {
            closeQuietly(eldest.getValue());
            return true;
          }
          return false;
        }
      };

  StatementCache(Connection connection) {
    this.connection = connection;
  }

  /** An open statement for {@code sql}; the caller must not close it. */
  PreparedStatement get(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null || ps.isClosed()) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  /** Closes and forgets a statement whose use failed, so no half-bound batch is ever reused. */
  void evict(String sql) {
    PreparedStatement ps = statements.remove(sql);
    if (ps != null) {
      closeQuietly(ps);
    }
  }

  private static void closeQuietly(PreparedStatement ps) {
    try {
      ps.close();
    } catch (SQLException ignored) {
      // The connection finalizes its statements when it closes anyway.
    }
  }
}
