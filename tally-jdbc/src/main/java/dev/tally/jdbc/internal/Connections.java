package dev.tally.jdbc.internal;

import dev.tally.jdbc.Dialect;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Where the store gets connections. With a URL the store opens its own and keeps a few idle ones,
 * because opening a PostgreSQL connection costs a server process; with a caller's {@link
 * DataSource} (normally a pool) every borrow is a {@code getConnection()} and every release a
 * {@code close()}.
 *
 * <p>PostgreSQL connections are bounded in time, so that a server or network that stops answering
 * fails the call instead of parking its thread forever: the network timeout ({@link
 * Connection#setNetworkTimeout}) bounds every socket read, and on connections the store opened
 * itself the server-side {@code statement_timeout} bounds every statement. A connection whose call
 * failed is discarded, never reused.
 */
public final class Connections implements AutoCloseable {
  private static final int MAX_IDLE = 4;

  private final Dialect dialect;
  private final DataSource dataSource;
  private final boolean owned;
  private final String sqliteSessionPragmas;
  private final Timeouts timeouts;
  // The network timeout a caller's pooled connection had before we borrowed it, restored on
  // release.
  private final Map<Connection, Integer> borrowedNetworkTimeouts = new ConcurrentHashMap<>();
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  // Keyed by connection identity (drivers do not override equals); removed when we close it.
  private final Map<Connection, StatementCache> statementCaches = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Time bounds for PostgreSQL connections, in milliseconds; 0 means none.
   *
   * @param statementMillis server-side {@code statement_timeout} on connections the store opened
   * @param networkMillis {@link Connection#setNetworkTimeout} on every connection, and the login
   *     timeout of connections the store opens
   */
  public record Timeouts(int statementMillis, int networkMillis) {
    public static final Timeouts NONE = new Timeouts(0, 0);
  }

  private Connections(
      Dialect dialect,
      DataSource dataSource,
      boolean owned,
      String sqliteSessionPragmas,
      Timeouts timeouts) {
    this.dialect = dialect;
    this.dataSource = dataSource;
    this.owned = owned;
    this.sqliteSessionPragmas = sqliteSessionPragmas;
    this.timeouts = timeouts;
  }

  /** Connections opened by the store from a URL; SQLite pragmas go into the open properties. */
  public static Connections fromUrl(
      Dialect dialect,
      String url,
      Properties properties,
      String sqliteSessionPragmas,
      Timeouts timeouts) {
    Properties p = properties;
    if (dialect == Dialect.POSTGRESQL && timeouts.networkMillis() > 0) {
      // Opening a connection to a server that accepts but never answers must fail too.
      p = new Properties();
      p.putAll(properties);
      String seconds = Integer.toString(Math.max(1, (timeouts.networkMillis() + 999) / 1000));
      p.putIfAbsent("loginTimeout", seconds);
      p.putIfAbsent("connectTimeout", seconds);
    }
    return new Connections(
        dialect, new UrlDataSource(url, p), true, sqliteSessionPragmas, timeouts);
  }

  /** Connections borrowed from the caller's data source; SQLite pragmas are set on each borrow. */
  public static Connections fromDataSource(
      Dialect dialect, DataSource dataSource, String sqliteSessionPragmas, Timeouts timeouts) {
    return new Connections(dialect, dataSource, false, sqliteSessionPragmas, timeouts);
  }

  public Dialect dialect() {
    return dialect;
  }

  /** The data source Flyway migrates through. */
  public DataSource dataSource() {
    return dataSource;
  }

  public Connection borrow() throws SQLException {
    if (closed) {
      throw new SQLException("Tally JDBC store is closed");
    }
    if (owned) {
      Connection c;
      while ((c = idle.pollFirst()) != null) {
        if (!c.isClosed()) {
          return c;
        }
        statementCaches.remove(c);
      }
      return boundInTime(applyPragmas(dataSource.getConnection()));
    }
    // A pooled connection may be new or reused; the pragmas are cheap, so set them every time.
    return boundInTime(applyPragmas(dataSource.getConnection()));
  }

  /**
   * PostgreSQL: a network timeout on every connection (a caller's is restored on release) and, on a
   * connection the store opened, the session's statement timeout, set once.
   */
  private Connection boundInTime(Connection c) throws SQLException {
    if (dialect != Dialect.POSTGRESQL) {
      return c;
    }
    try {
      if (timeouts.networkMillis() > 0) {
        if (!owned) {
          borrowedNetworkTimeouts.put(c, c.getNetworkTimeout());
        }
        c.setNetworkTimeout(Runnable::run, timeouts.networkMillis());
      }
      if (owned && timeouts.statementMillis() > 0) {
        try (Statement st = c.createStatement()) {
          st.execute("SET statement_timeout = " + timeouts.statementMillis());
        }
      }
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /**
   * A statement cache for a SQLite connection this store opened itself, or null: a caller's pooled
   * connection may be handed to someone else after release, so statements are never kept on it.
   */
  public @Nullable StatementCache statements(Connection c) {
    if (!owned || dialect != Dialect.SQLITE) {
      return null;
    }
    return statementCaches.computeIfAbsent(c, StatementCache::new);
  }

  private Connection applyPragmas(Connection c) throws SQLException {
    if (dialect == Dialect.SQLITE && !sqliteSessionPragmas.isEmpty()) {
      try (Statement st = c.createStatement()) {
        for (String pragma : sqliteSessionPragmas.split(";")) {
          st.execute(pragma);
        }
      } catch (SQLException e) {
        closeQuietly(c);
        throw e;
      }
    }
    return c;
  }

  /** Returns a connection; a broken one or one in a transaction is closed instead of kept. */
  public void release(Connection c) {
    Integer previous = borrowedNetworkTimeouts.remove(c);
    if (previous != null) {
      try {
        c.setNetworkTimeout(Runnable::run, previous);
      } catch (SQLException e) {
        closeQuietly(c);
        return;
      }
    }
    try {
      if (owned && !closed && idle.size() < MAX_IDLE && !c.isClosed() && c.getAutoCommit()) {
        idle.addFirst(c);
        if (closed && idle.remove(c)) {
          closeQuietly(c);
        }
        return;
      }
      closeQuietly(c);
    } catch (SQLException e) {
      closeQuietly(c);
    }
  }

  /** Closes a connection that failed, so it is never reused. */
  public void discard(Connection c) {
    closeQuietly(c);
  }

  @Override
  public void close() {
    closed = true;
    Connection c;
    while ((c = idle.pollFirst()) != null) {
      closeQuietly(c);
    }
  }

  private void closeQuietly(Connection c) {
    statementCaches.remove(c);
    borrowedNetworkTimeouts.remove(c);
    try {
      c.close();
    } catch (SQLException ignored) {
      // Nothing more to do with a connection that cannot even close.
    }
  }

  /** A minimal DriverManager data source, so Flyway and the store share one way to connect. */
  private static final class UrlDataSource implements DataSource {
    private final String url;
    private final Properties properties;

    UrlDataSource(String url, Properties properties) {
      this.url = url;
      this.properties = properties;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return DriverManager.getConnection(url, properties);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      Properties p = new Properties();
      p.putAll(properties);
      p.setProperty("user", username);
      p.setProperty("password", password);
      return DriverManager.getConnection(url, p);
    }

    @Override
    public PrintWriter getLogWriter() {
      return new PrintWriter(System.err);
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
