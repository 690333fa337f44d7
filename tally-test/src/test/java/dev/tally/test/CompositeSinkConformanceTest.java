package dev.tally.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.core.sink.UsageSinks;
import java.util.List;

/** {@link UsageSinks#composite} keeps the sink contract, and every member stores every event. */
class CompositeSinkConformanceTest extends UsageSinkConformanceTest {
  private InMemoryUsageSink first;
  private InMemoryUsageSink second;

  @Override
  protected UsageSink createSink() {
    first = new InMemoryUsageSink();
    second = new InMemoryUsageSink();
    return UsageSinks.composite(List.of(first, second));
  }

  @Override
  protected List<UsageEvent> storedEvents(UsageSink sink) {
    assertThat(second.ids()).as("ids stored by the second member").isEqualTo(first.ids());
    return first.events();
  }
}
