package dev.tally.server;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The clock, the server's own database (users, keys, sessions; the ledger is separate) and
 * scheduling, for the server's housekeeping (session expiry, keys' last use).
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ServerConfiguration {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * Boot's pooled DataSource, after creating the directory of an SQLite file: SQLite creates the
   * file but not its directory, and a fresh checkout has no {@code ./data}.
   */
  @Bean
  @ConfigurationProperties("spring.datasource.hikari")
  HikariDataSource dataSource(DataSourceProperties properties) {
    String url = properties.determineUrl();
    if (url != null && url.startsWith("jdbc:sqlite:")) {
      createParentDirectory(url.substring("jdbc:sqlite:".length()));
    }
    return properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
  }

  private static void createParentDirectory(String location) {
    String file = location.startsWith("file:") ? location.substring(5) : location;
    int query = file.indexOf('?');
    if (query >= 0) {
      file = file.substring(0, query);
    }
    if (file.isEmpty() || file.equals(":memory:")) {
      return;
    }
    Path parent = Path.of(file).toAbsolutePath().getParent();
    try {
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of " + file, e);
    }
  }
}
