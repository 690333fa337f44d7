package dev.tally.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.test.UsageSinkConformanceTest;
import java.util.List;

class PostgresUsageStoreConformanceTest extends UsageSinkConformanceTest {
  private String url;

  @Override
  protected UsageSink createSink() {
    url = EmbeddedPg.newDatabaseUrl();
    return JdbcUsageStore.builder().url(url).build();
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return ConformanceSupport.allEvents(sink, url);
  }
}
