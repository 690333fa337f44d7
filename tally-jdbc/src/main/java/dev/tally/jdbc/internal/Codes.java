package dev.tally.jdbc.internal;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.UsageSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The dictionary of small-int codes ({@code tally_code}) that raw rows and rollups store instead of
 * low-cardinality text: operation, model, provider, currency and price version get codes from 1 on
 * as values first appear; code 0 means "none" (stored as {@code ''} in reports). Outcome and token
 * source have fixed codes ({@link #outcome}, {@link #source}), also listed in the table. A code,
 * once committed, never changes, so the in-memory maps only grow; codes a transaction created are
 * published to them only after it committed ({@link Tx#publish}).
 */
public final class Codes {
  /** The kinds of {@code tally_code}. */
  public static final int OPERATION = 1;

  public static final int MODEL = 2;
  public static final int PROVIDER = 3;
  public static final int CURRENCY = 4;
  public static final int PRICE_VERSION = 5;
  public static final int OUTCOME = 6;
  public static final int TOKEN_SOURCE = 7;

  private static final int KINDS = 8;

  private final Map<String, Integer>[] byValue;
  private final Map<Integer, String>[] byCode;

  @SuppressWarnings("unchecked")
  public Codes() {
    byValue = new Map[KINDS];
    byCode = new Map[KINDS];
    for (int k = 0; k < KINDS; k++) {
      byValue[k] = new ConcurrentHashMap<>();
      byCode[k] = new ConcurrentHashMap<>();
    }
  }

  static int outcome(Outcome o) {
    return switch (o) {
      case SUCCESS -> 1;
      case ERROR -> 2;
      case CANCELLED -> 3;
    };
  }

  static Outcome outcome(int code) {
    return switch (code) {
      case 1 -> Outcome.SUCCESS;
      case 2 -> Outcome.ERROR;
      case 3 -> Outcome.CANCELLED;
      default -> throw new IllegalStateException("unknown outcome code " + code);
    };
  }

  static int source(UsageSource s) {
    return switch (s) {
      case REPORTED -> 1;
      case ESTIMATED -> 2;
      case MISSING -> 3;
    };
  }

  static UsageSource source(int code) {
    return switch (code) {
      case 1 -> UsageSource.REPORTED;
      case 2 -> UsageSource.ESTIMATED;
      case 3 -> UsageSource.MISSING;
      default -> throw new IllegalStateException("unknown token source code " + code);
    };
  }

  /** The committed code of a value, or null when it has none yet; "" and null are 0. */
  @Nullable Integer known(int kind, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    if (kind == OUTCOME) {
      try {
        return outcome(Outcome.valueOf(value));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return byValue[kind].get(value);
  }

  /** The code of {@code value} for a query, reading the table once on a miss; null if unknown. */
  @Nullable Integer lookup(Connection c, int kind, String value) throws SQLException {
    Integer code = known(kind, value);
    if (code == null) {
      reload(c);
      code = known(kind, value);
    }
    return code;
  }

  /** The value of a code ('' for 0), reading the table once when the code is not known yet. */
  String value(Connection c, int kind, int code) throws SQLException {
    if (code == 0) {
      return "";
    }
    if (kind == OUTCOME) {
      return outcome(code).name();
    }
    String v = byCode[kind].get(code);
    if (v == null) {
      reload(c);
      v = byCode[kind].get(code);
      if (v == null) {
        throw new SQLException("tally_code has no value for kind " + kind + " code " + code);
      }
    }
    return v;
  }

  /** Reads every committed code. */
  void reload(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT kind, code, value FROM tally_code");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        int kind = rs.getInt(1);
        if (kind > 0 && kind < KINDS && kind != OUTCOME && kind != TOKEN_SOURCE) {
          byValue[kind].put(rs.getString(3), rs.getInt(2));
          byCode[kind].put(rs.getInt(2), rs.getString(3));
        }
      }
    }
  }

  /** A writer's view for one transaction: new codes stay private until {@link #publish}. */
  Tx begin(Connection c, @Nullable StatementCache statements) {
    return new Tx(c, statements);
  }

  final class Tx {
    private final Connection c;
    private final @Nullable StatementCache statements;
    private final Map<Long, Integer> created = new HashMap<>();
    private final Map<Long, String> createdValues = new HashMap<>();
    private boolean reloaded;

    private Tx(Connection c, @Nullable StatementCache statements) {
      this.c = c;
      this.statements = statements;
    }

    /** The code of {@code value}, inserting it into the dictionary (in this transaction) if new. */
    int code(int kind, @Nullable String value) throws SQLException {
      Integer code = known(kind, value);
      if (code != null) {
        return code;
      }
      for (Map.Entry<Long, String> e : createdValues.entrySet()) {
        if ((int) (e.getKey() >>> 32) == kind && e.getValue().equals(value)) {
          return created.get(e.getKey());
        }
      }
      if (!reloaded) {
        reloaded = true;
        reload(c);
        code = known(kind, value);
        if (code != null) {
          return code;
        }
      }
      // Another writer may take the same next code at the same time (PostgreSQL): then ours is
      // not inserted, and we look again with the code it took counted.
      for (int attempt = 0; attempt < 20; attempt++) {
        run(
            "INSERT INTO tally_code (kind, code, value) SELECT ?, COALESCE(MAX(code), 0) + 1, ?"
                + " FROM tally_code WHERE kind = ? ON CONFLICT DO NOTHING",
            ps -> {
              ps.setInt(1, kind);
              ps.setString(2, value);
              ps.setInt(3, kind);
              ps.executeUpdate();
            });
        Integer[] found = {null};
        run(
            "SELECT code FROM tally_code WHERE kind = ? AND value = ?",
            ps -> {
              ps.setInt(1, kind);
              ps.setString(2, value);
              try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  found[0] = rs.getInt(1);
                }
              }
            });
        if (found[0] != null) {
          long key = ((long) kind << 32) | found[0];
          created.put(key, found[0]);
          createdValues.put(key, value);
          return found[0];
        }
      }
      throw new SQLException("could not assign a code to '" + value + "' (kind " + kind + ")");
    }

    private void run(String sql, SqlStatementWork work) throws SQLException {
      if (statements == null) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          work.run(ps);
        }
        return;
      }
      PreparedStatement ps = statements.get(sql);
      boolean done = false;
      try {
        work.run(ps);
        done = true;
      } finally {
        if (!done) {
          statements.evict(sql);
        }
      }
    }

    /** After the commit: the new codes become known to every writer and reader. */
    void publish() {
      for (Map.Entry<Long, String> e : createdValues.entrySet()) {
        int kind = (int) (e.getKey() >>> 32);
        int code = created.get(e.getKey());
        byValue[kind].put(e.getValue(), code);
        byCode[kind].put(code, e.getValue());
      }
    }
  }

  interface SqlStatementWork {
    void run(PreparedStatement ps) throws SQLException;
  }
}
