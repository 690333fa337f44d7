package dev.tally.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL server per test JVM (zonky), and a fresh database per caller.
 *
 * <p>Running as root: PostgreSQL refuses to run as root ({@code initdb: cannot be run as root}),
 * but zonky 2.x starts {@code initdb}, {@code pg_ctl} and {@code postgres} through {@code unshare
 * -U} when that command is available, so they run in a new user namespace as the unmapped user
 * ({@code nobody}, uid 65534) and the check passes. This needs {@code unshare} (util-linux), user
 * namespaces enabled in the kernel, and a {@code nobody} entry in {@code /etc/passwd}; all three
 * hold on the build machines, so no workaround is needed here.
 */
final class EmbeddedPg {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  private EmbeddedPg() {}

  /** The shared server, started on first use and stopped when the JVM exits. */
  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      EmbeddedPostgres s = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      s.close();
                    } catch (IOException ignored) {
                      // the JVM is going away
                    }
                  }));
    }
    return server;
  }

  /** A JDBC URL of a new, empty database on the shared server. */
  static String newDatabaseUrl() {
    return server().getJdbcUrl("postgres", newDatabase());
  }

  /** The name of a new, empty database on the shared server. */
  static String newDatabase() {
    String name = "tally_test_" + DATABASES.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return name;
  }

  private static EmbeddedPostgres start() throws IOException {
    // Test data only: durability settings off make the suite faster.
    return EmbeddedPostgres.builder()
        .setRegisterShutdownHook(false)
        .setServerConfig("fsync", "off")
        .setServerConfig("synchronous_commit", "off")
        .setServerConfig("full_page_writes", "off")
        .start();
  }
}
