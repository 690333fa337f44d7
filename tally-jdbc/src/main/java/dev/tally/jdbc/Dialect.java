package dev.tally.jdbc;

import java.util.Locale;

/** The SQL dialects the store speaks. Each has its own Flyway migrations with the same schema. */
public enum Dialect {
  /** SQLite: one file, WAL journal; the embedded default. */
  SQLITE,
  /** PostgreSQL: for production and for several application instances sharing one ledger. */
  POSTGRESQL;

  /**
   * The dialect of a JDBC URL.
   *
   * @throws IllegalArgumentException naming the URL when it is neither {@code jdbc:sqlite:} nor
   *     {@code jdbc:postgresql:}
   */
  public static Dialect fromUrl(String jdbcUrl) {
    String url = jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException(
        "url must start with jdbc:sqlite: or jdbc:postgresql:, was '" + jdbcUrl + "'");
  }
}
