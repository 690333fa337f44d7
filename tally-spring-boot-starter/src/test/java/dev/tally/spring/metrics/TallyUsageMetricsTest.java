package dev.tally.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.TokenUsage;
import dev.tally.core.UsageContext;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageTracker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TallyUsageMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TallyUsageMetrics metrics = new TallyUsageMetrics(registry, 10);

  @Test
  void estimatedAndMissingUsageIsCountedByBoundedTags() {
    List<UsageEvent> events = new ArrayList<>();
    UsageTracker tracker = UsageTracker.builder(events::add).build();
    tracker.startStream("chat", UsageContext.of("alice")).prompt("hello").cancel();
    tracker
        .startStream("chat", UsageContext.of("bob"))
        .delivered("x")
        .usage(TokenUsage.reported(3, 1))
        .complete();
    tracker.startStream("chat", UsageContext.of("carol")).cancel();
    events.add(UsageEvent.builder("embed").subject("dave").build());

    events.forEach(metrics);

    assertThat(count("chat", "ESTIMATED", "true")).isEqualTo(1);
    assertThat(count("chat", "MISSING", "true")).isEqualTo(1);
    assertThat(count("embed", "MISSING", "false")).isEqualTo(1);
    assertThat(registry.find("tally.usage.unreported").tag("source", "REPORTED").counter())
        .isNull();
    assertThat(registry.find("tally.usage.unreported").counters())
        .allSatisfy(
            c ->
                assertThat(c.getId().getTags())
                    .extracting("key")
                    .containsExactlyInAnyOrder("operation", "source", "streamed"));
  }

  private double count(String operation, String source, String streamed) {
    return registry
        .get("tally.usage.unreported")
        .tag("operation", operation)
        .tag("source", source)
        .tag("streamed", streamed)
        .counter()
        .count();
  }
}
