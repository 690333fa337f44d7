package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.query.UsageQuery;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreBehaviourTest extends StoreBehaviourTest {

  @org.junit.jupiter.api.Test
  void callersDataSourceGetsWalAndThePragmasOnEveryConnection() throws Exception {
    org.sqlite.SQLiteDataSource ds = new org.sqlite.SQLiteDataSource();
    ds.setUrl("jdbc:sqlite:" + dir.resolve("from-data-source.db"));
    try (JdbcUsageStore s = JdbcUsageStore.builder().dataSource(ds, Dialect.SQLITE).build()) {
      s.export(TestEvents.varied(9, 50, 2)).get();
      assertThat(
              s.report(
                      UsageQuery.builder(
                              TestEvents.T0, TestEvents.T0.plus(java.time.Duration.ofHours(2)))
                          .build())
                  .rows()
                  .get(0)
                  .measures()
                  .requests())
          .isEqualTo(50);
    }
    try (var c = ds.getConnection();
        var rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
  }

  @TempDir Path dir;
  private int databases;

  @Override
  protected String freshUrl() {
    return "jdbc:sqlite:" + dir.resolve("usage-" + (++databases) + ".db");
  }
}
