package dev.tally.jdbc;

import dev.tally.core.sink.UsageSink;
import dev.tally.test.UsageQueriesConformanceTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

class SqliteUsageQueriesConformanceTest extends UsageQueriesConformanceTest {
  private Path dir;

  @Override
  protected UsageSink createStore() throws Exception {
    dir = Files.createTempDirectory("tally-queries-conformance");
    return JdbcUsageStore.sqlite(dir.resolve("usage.db"));
  }

  @Override
  protected void cleanUp(UsageSink store) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
