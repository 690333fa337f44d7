package dev.tally.jdbc;

import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSink;
import dev.tally.test.UsageSinkConformanceTest;
import java.util.List;

/** The COPY write path keeps the same contract as the default one. */
class PostgresCopyConformanceTest extends UsageSinkConformanceTest {
  private String url;

  @Override
  protected UsageSink createSink() {
    url = EmbeddedPg.newDatabaseUrl();
    return JdbcUsageStore.builder().url(url).postgresWriteMode(PostgresWriteMode.COPY).build();
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return ConformanceSupport.allEvents(sink, url);
  }
}
