package dev.tally.jdbc;

import dev.tally.core.query.GroupField;
import dev.tally.core.query.Window;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Rollup and raw reports equal brute force over random events, on SQLite. */
class RollupPropertyTest extends RollupCheck {
  private static Path dir;
  private static String url;
  private static JdbcUsageStore store;

  @BeforeContainer
  static void open() throws Exception {
    dir = Files.createTempDirectory("tally-property");
    url = "jdbc:sqlite:" + dir.resolve("p.db");
    store = JdbcUsageStore.builder().url(url).build();
  }

  @AfterContainer
  static void close() throws Exception {
    store.close();
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  @Property(tries = 80)
  void reportsEqualBruteForceOverRawEvents(
      @ForAll long seed,
      @ForAll("groupBys") List<GroupField> groupBy,
      @ForAll("windows") Window window,
      @ForAll("zones") ZoneId zone,
      @ForAll("filters") Map<GroupField, String> filters)
      throws Exception {
    checkTry(store, url, seed, groupBy, window, zone, filters);
  }
}
