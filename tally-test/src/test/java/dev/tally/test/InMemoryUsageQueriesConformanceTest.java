package dev.tally.test;

import dev.tally.core.UsageSink;

class InMemoryUsageQueriesConformanceTest extends UsageQueriesConformanceTest {
  @Override
  protected UsageSink createStore() {
    return new InMemoryUsageSink();
  }
}
