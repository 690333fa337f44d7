package dev.tally.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.test.UsageSinkConformanceTest;
import java.util.List;

/**
 * The multi-row VALUES write path, with one writer, keeps the same contract as the default (COPY,
 * two writers).
 */
class PostgresValuesConformanceTest extends UsageSinkConformanceTest {
  private String url;

  @Override
  protected UsageSink createSink() {
    url = EmbeddedPg.newDatabaseUrl();
    return JdbcUsageStore.builder()
        .url(url)
        .postgresWriteMode(PostgresWriteMode.MULTI_ROW_VALUES)
        .writers(1)
        .build();
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return ConformanceSupport.allEvents(sink, url);
  }
}
