package dev.tally.jdbc;

import dev.tally.core.sink.UsageSink;
import dev.tally.test.UsageQueriesConformanceTest;

class PostgresUsageQueriesConformanceTest extends UsageQueriesConformanceTest {
  @Override
  protected UsageSink createStore() {
    return JdbcUsageStore.builder().url(EmbeddedPg.newDatabaseUrl()).build();
  }
}
