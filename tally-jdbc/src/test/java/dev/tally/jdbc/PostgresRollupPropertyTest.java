package dev.tally.jdbc;

import dev.tally.core.query.GroupField;
import dev.tally.core.query.Window;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Rollup and raw reports equal brute force over random events, on PostgreSQL. */
class PostgresRollupPropertyTest extends RollupCheck {
  private static String url;
  private static JdbcUsageStore store;

  @BeforeContainer
  static void open() {
    url = EmbeddedPg.newDatabaseUrl();
    store = JdbcUsageStore.builder().url(url).build();
  }

  @AfterContainer
  static void close() {
    store.close();
  }

  @Property(tries = 30)
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
