package dev.tally.spring.kafka;

import dev.tally.kafka.IngesterStats;
import dev.tally.kafka.KafkaUsageIngester;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Meters of the ingester: {@code tally.kafka.ingester.lag} (records not yet read on the owned
 * partitions; -1 while unknown), {@code .partitions}, and the counters {@code .stored}, {@code
 * .dead.lettered}, {@code .export.failures}, {@code .rebalances}. No per-user tags.
 */
public final class TallyKafkaMetrics implements MeterBinder {
  private final KafkaUsageIngester ingester;

  public TallyKafkaMetrics(KafkaUsageIngester ingester) {
    this.ingester = ingester;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("tally.kafka.ingester.lag", ingester, i -> i.stats().lag())
        .description("Records on the owned partitions not yet read")
        .tag("topic", ingester.topic())
        .register(registry);
    Gauge.builder("tally.kafka.ingester.partitions", ingester, i -> i.stats().assignedPartitions())
        .tag("topic", ingester.topic())
        .register(registry);
    counter(registry, "tally.kafka.ingester.stored", IngesterStats::stored);
    counter(registry, "tally.kafka.ingester.dead.lettered", IngesterStats::deadLettered);
    counter(registry, "tally.kafka.ingester.export.failures", IngesterStats::exportFailures);
    counter(registry, "tally.kafka.ingester.rebalances", IngesterStats::rebalances);
  }

  private void counter(MeterRegistry registry, String name, ToDoubleFunction<IngesterStats> f) {
    FunctionCounter.builder(name, ingester, i -> f.applyAsDouble(i.stats()))
        .tag("topic", ingester.topic())
        .register(registry);
  }
}
