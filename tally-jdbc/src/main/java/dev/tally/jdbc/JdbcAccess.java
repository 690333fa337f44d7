package dev.tally.jdbc;

import dev.tally.jdbc.internal.Connections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Single-statement queries and updates on the store's connections, for the budget tables. */
final class JdbcAccess {
  private final Connections connections;

  JdbcAccess(Connections connections) {
    this.connections = connections;
  }

  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) {
    Connection c = borrow();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(mapper.map(rs));
        }
      }
      connections.release(c);
      return rows;
    } catch (SQLException e) {
      connections.discard(c);
      throw new IllegalStateException("budget query failed: " + e.getMessage(), e);
    }
  }

  int update(String sql, Binder binder) {
    Connection c = borrow();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      int count = ps.executeUpdate();
      connections.release(c);
      return count;
    } catch (SQLException e) {
      connections.discard(c);
      throw new IllegalStateException("budget update failed: " + e.getMessage(), e);
    }
  }

  private Connection borrow() {
    try {
      return connections.borrow();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach the budget tables: " + e.getMessage(), e);
    }
  }

  static void setNullable(PreparedStatement ps, int index, @Nullable String value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }
}
