package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import java.util.List;

class InMemoryUsageSinkConformanceTest extends UsageSinkConformanceTest {

  @Override
  protected UsageSink createSink() {
    return new InMemoryUsageSink();
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    return ((InMemoryUsageSink) sink).events();
  }
}
