package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;

/** When they inject nothing, the failure-injecting fakes keep the sink contract too. */
class FakeSinksConformanceTest {

  @Nested
  class FailingSinkWhileUp extends UsageSinkConformanceTest {
    @Override
    protected UsageSink createSink() {
      return new FailingUsageSink();
    }

    @Override
    protected List<UsageEvent> storedEvents(UsageSink sink) {
      return ((FailingUsageSink) sink).delegate().events();
    }
  }

  @Nested
  class SlowSinkWithShortDelay extends UsageSinkConformanceTest {
    @Override
    protected UsageSink createSink() {
      return new SlowUsageSink(Duration.ofMillis(2));
    }

    @Override
    protected List<UsageEvent> storedEvents(UsageSink sink) {
      return ((SlowUsageSink) sink).delegate().events();
    }
  }

  @Nested
  class RejectingSinkWithNothingToReject extends UsageSinkConformanceTest {
    @Override
    protected UsageSink createSink() {
      return new RejectingUsageSink(event -> false);
    }

    @Override
    protected List<UsageEvent> storedEvents(UsageSink sink) {
      return ((RejectingUsageSink) sink).delegate().events();
    }
  }
}
