package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL ledger at V2, holding the rows the V2 code wrote into the SQLite fixture ({@link
 * V2Fixture}, copied table by table), upgrades to V3 and answers every report and listing as the V2
 * code did.
 */
class PostgresUpgradeTest {
  @TempDir Path dir;

  @Test
  void aV2LedgerUpgradesToV3AndAnswersEveryReportAndListingAsBefore() throws Exception {
    Path db = dir.resolve("ledger.db");
    try (InputStream in = PostgresUpgradeTest.class.getResourceAsStream(V2Fixture.DB)) {
      Files.copy(in, db, StandardCopyOption.REPLACE_EXISTING);
    }
    String url = EmbeddedPg.newDatabaseUrl();
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:dev/tally/jdbc/migration/postgresql")
        .table("tally_schema_history")
        .target("2")
        .load()
        .migrate();
    try (Connection from = DriverManager.getConnection("jdbc:sqlite:" + db);
        Connection to = DriverManager.getConnection(url)) {
      for (String table :
          new String[] {"tally_event", "tally_event_content", "tally_rollup_hour"}) {
        copy(from, to, table);
      }
    }
    Map<String, String> expected = SqliteUpgradeTest.expectedAnswers();
    try (JdbcUsageStore store = JdbcUsageStore.builder().url(url).clock(TestEvents.CLOCK).build()) {
      Map<String, String> answers = V2Fixture.answers(store);
      assertThat(answers.keySet()).containsExactlyElementsOf(expected.keySet());
      for (String name : expected.keySet()) {
        assertThat(SqliteUpgradeTest.sortedAttributes(answers.get(name)))
            .as(name)
            .isEqualTo(SqliteUpgradeTest.sortedAttributes(expected.get(name)));
      }
      assertThat(V2Fixture.costMismatches(store)).isEmpty();
    }
    assertThat(TestEvents.count(url, "tally_event")).isEqualTo(360);
  }

  private static void copy(Connection from, Connection to, String table) throws Exception {
    try (Statement st = from.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
      ResultSetMetaData md = rs.getMetaData();
      int n = md.getColumnCount();
      StringBuilder cols = new StringBuilder();
      StringBuilder marks = new StringBuilder();
      for (int i = 1; i <= n; i++) {
        cols.append(i == 1 ? "" : ", ").append(md.getColumnName(i));
        marks.append(i == 1 ? "?" : ", ?");
      }
      try (PreparedStatement ps =
          to.prepareStatement("INSERT INTO " + table + " (" + cols + ") VALUES (" + marks + ")")) {
        while (rs.next()) {
          for (int i = 1; i <= n; i++) {
            Object v = rs.getObject(i);
            if (v instanceof Integer x) {
              v = x.longValue();
            }
            ps.setObject(i, v);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
  }
}
