package dev.tally.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.test.UsageSinkConformanceTest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

class SqliteUsageStoreConformanceTest extends UsageSinkConformanceTest {
  @TempDir Path dir;
  private String url;

  @Override
  protected UsageSink createSink() {
    url = "jdbc:sqlite:" + dir.resolve("usage.db");
    return JdbcUsageStore.builder().url(url).build();
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return ConformanceSupport.allEvents(sink, url);
  }
}
