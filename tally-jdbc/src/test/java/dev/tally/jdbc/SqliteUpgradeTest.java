package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger written by the V2 code, with data in it, upgrades to the compact layout (V3) and answers
 * every report and listing exactly as the V2 code did ({@link V2Fixture}).
 */
class SqliteUpgradeTest {
  @TempDir Path dir;

  @Test
  void aV2LedgerUpgradesToV3AndAnswersEveryReportAndListingAsBefore() throws Exception {
    Path db = dir.resolve("ledger.db");
    try (InputStream in = SqliteUpgradeTest.class.getResourceAsStream(V2Fixture.DB)) {
      Files.copy(in, db, StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, String> expected = expectedAnswers();
    String url = "jdbc:sqlite:" + db;
    assertThat(TestEvents.count(url, "tally_event")).isEqualTo(360);
    try (JdbcUsageStore store = JdbcUsageStore.builder().url(url).clock(TestEvents.CLOCK).build()) {
      Map<String, String> answers = V2Fixture.answers(store);
      assertThat(answers.keySet()).containsExactlyElementsOf(expected.keySet());
      for (String name : expected.keySet()) {
        assertThat(sortedAttributes(answers.get(name)))
            .as(name)
            .isEqualTo(sortedAttributes(expected.get(name)));
      }
      assertThat(V2Fixture.costMismatches(store)).isEmpty();
      // Replaying what the V2 code stored under caller ids adds nothing: the ids kept their
      // identity through the new encoding.
      store.export(TestEvents.varied(11, 300, 50)).get(30, TimeUnit.SECONDS);
      store.flush().get(30, TimeUnit.SECONDS);
      assertThat(V2Fixture.answers(store)).isEqualTo(answers);
    }
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      assertThat(scalar(st, "SELECT COUNT(*) FROM tally_event")).isEqualTo(360);
      assertThat(scalar(st, "SELECT seq FROM tally_rollup_mark")).isEqualTo(360);
      assertThat(scalar(st, "SELECT SUM(requests) FROM tally_rollup_hour")).isEqualTo(360);
      assertThat(
              scalar(
                  st,
                  "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('tally_event_v2',"
                      + " 'tally_rollup_hour_v2', 'tally_event_content_v2')"))
          .isZero();
    }
  }

  private static final java.util.regex.Pattern ATTRIBUTES =
      java.util.regex.Pattern.compile("attributes=\\{([^}]*)\\}");

  /**
   * An event's attribute map prints in an order that differs from one JVM to the next (immutable
   * maps are salted per run), so listings are compared with each map's entries sorted.
   */
  static String sortedAttributes(String text) {
    return ATTRIBUTES
        .matcher(text)
        .replaceAll(
            m ->
                java.util.regex.Matcher.quoteReplacement(
                    "attributes={"
                        + java.util.Arrays.stream(m.group(1).split(", "))
                            .sorted()
                            .collect(java.util.stream.Collectors.joining(", "))
                        + "}"));
  }

  private static long scalar(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static Map<String, String> expectedAnswers() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (InputStream in = SqliteUpgradeTest.class.getResourceAsStream(V2Fixture.ANSWERS)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int tab = line.indexOf('\t');
        out.put(
            line.substring(0, tab),
            line.substring(tab + 1).replace("\\t", "\t").replace("\\n", "\n"));
      }
    }
    return out;
  }
}
