package dev.tally.jdbc.internal;

import dev.tally.core.query.GroupField;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A query's filters and exclusions as SQL over the compact layout: the subject is compared as text,
 * the other fields by their {@link Codes} (a value with no code matches no row, so an equality
 * filter on it binds -1 and an exclusion of it is dropped). Columns come only from the {@link
 * GroupField} allow-list; every value is a bind parameter.
 */
final class Conditions {
  private final StringBuilder sql = new StringBuilder();
  private final List<Object> binds = new ArrayList<>();

  private Conditions() {}

  static Conditions of(
      Connection c,
      Codes codes,
      Map<GroupField, String> filters,
      Map<GroupField, Set<String>> exclusions,
      String alias)
      throws SQLException {
    Conditions out = new Conditions();
    for (Map.Entry<GroupField, String> f : filters.entrySet()) {
      out.sql.append(" AND ").append(column(f.getKey(), alias)).append(" = ?");
      out.binds.add(value(c, codes, f.getKey(), f.getValue()));
    }
    for (Map.Entry<GroupField, Set<String>> e : exclusions.entrySet()) {
      List<Object> values = new ArrayList<>();
      for (String v : e.getValue()) {
        Object bound = value(c, codes, e.getKey(), v);
        if (!(bound instanceof Integer i && i < 0)) {
          values.add(bound);
        }
      }
      if (values.isEmpty()) {
        continue;
      }
      out.sql.append(" AND ").append(column(e.getKey(), alias)).append(" NOT IN (");
      for (int i = 0; i < values.size(); i++) {
        out.sql.append(i == 0 ? "?" : ", ?");
      }
      out.sql.append(')');
      out.binds.addAll(values);
    }
    return out;
  }

  private static Object value(Connection c, Codes codes, GroupField field, String v)
      throws SQLException {
    int kind = kind(field);
    if (kind == 0) {
      return v;
    }
    Integer code = codes.lookup(c, kind, v);
    return code == null ? -1 : code;
  }

  /** The {@link Codes} kind of a field, 0 for the subject (stored as text). */
  static int kind(GroupField field) {
    return switch (field) {
      case SUBJECT -> 0;
      case OPERATION -> Codes.OPERATION;
      case MODEL -> Codes.MODEL;
      case OUTCOME -> Codes.OUTCOME;
    };
  }

  /** The column of an allow-listed field; the only way a field reaches SQL text. */
  static String column(GroupField field, String alias) {
    return switch (field) {
      case SUBJECT -> alias + "subject";
      case OPERATION -> alias + "operation";
      case MODEL -> alias + "model";
      case OUTCOME -> alias + "outcome";
    };
  }

  String sql() {
    return sql.toString();
  }

  /** Binds the values from parameter {@code p}; returns the next. */
  int bind(PreparedStatement ps, int p) throws SQLException {
    for (Object v : binds) {
      if (v instanceof Integer i) {
        ps.setInt(p++, i);
      } else {
        ps.setString(p++, (String) v);
      }
    }
    return p;
  }
}
