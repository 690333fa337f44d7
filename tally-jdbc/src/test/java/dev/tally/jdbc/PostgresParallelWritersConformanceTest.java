package dev.tally.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.test.UsageSinkConformanceTest;
import java.util.List;

/** Batches split over several PostgreSQL writers keep the sink contract. */
class PostgresParallelWritersConformanceTest extends UsageSinkConformanceTest {
  private String url;

  @Override
  protected UsageSink createSink() {
    url = EmbeddedPg.newDatabaseUrl();
    return JdbcUsageStore.builder().url(url).writers(3).build();
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return ConformanceSupport.allEvents(sink, url);
  }
}
