package dev.tally.test;

import dev.tally.core.sink.UsageSink;

class InMemoryUsageQueriesConformanceTest extends UsageQueriesConformanceTest {
  @Override
  protected UsageSink createStore() {
    return new InMemoryUsageSink();
  }
}
