package dev.tally.spring.kafka;

import dev.tally.kafka.IngesterStats;
import dev.tally.kafka.KafkaUsageIngester;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The ingester's health: UP while it runs and the store accepts its batches, DOWN when its thread
 * stopped or the store is failing (batches are read again after a pause; nothing is skipped).
 * Details carry the lag, so a load balancer or an operator sees an ingester falling behind.
 */
public final class TallyKafkaHealthIndicator implements HealthIndicator {
  private final KafkaUsageIngester ingester;

  public TallyKafkaHealthIndicator(KafkaUsageIngester ingester) {
    this.ingester = ingester;
  }

  @Override
  public Health health() {
    IngesterStats s = ingester.stats();
    Health.Builder b;
    if (!s.running()) {
      b = Health.down().withDetail("reason", "ingester is not running");
    } else if (!s.sinkHealthy()) {
      b = Health.down().withDetail("reason", "store failing; batches are retried");
    } else {
      b = Health.up();
    }
    return b.withDetail("topic", ingester.topic())
        .withDetail("assignedPartitions", s.assignedPartitions())
        .withDetail("lag", s.lag())
        .withDetail("stored", s.stored())
        .withDetail("deadLettered", s.deadLettered())
        .withDetail("exportFailures", s.exportFailures())
        .withDetail("rebalances", s.rebalances())
        .build();
  }
}
