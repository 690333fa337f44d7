package dev.tally.spring.actuate;

import dev.tally.core.PipelineStats;
import dev.tally.core.UsagePipeline;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP while the sink accepts batches; DOWN when it is failing or stalled (the store is unreachable,
 * refuses writes, or an export ran past {@code tally.pipeline.export-timeout}; batches go to the
 * spool); OUT_OF_SERVICE when the spool has grown past {@code tally.health.max-spool-bytes}. The
 * details carry the counters an operator needs to tell these apart: {@code exportFailures} and
 * {@code exportTimeouts}.
 */
public final class TallyHealthIndicator implements HealthIndicator {
  private final UsagePipeline pipeline;
  private final long maxSpoolBytes;

  public TallyHealthIndicator(UsagePipeline pipeline, long maxSpoolBytes) {
    this.pipeline = pipeline;
    this.maxSpoolBytes = maxSpoolBytes;
  }

  @Override
  public Health health() {
    PipelineStats stats = pipeline.stats();
    Health.Builder builder;
    if (stats.spoolBytes() > maxSpoolBytes) {
      builder =
          Health.outOfService()
              .withDetail("reason", "spool larger than " + maxSpoolBytes + " bytes");
    } else if (!stats.sinkHealthy()) {
      builder = Health.down().withDetail("reason", "sink failing; events are being spooled");
    } else {
      builder = Health.up();
    }
    return builder
        .withDetail("sink", pipeline.sink().name())
        .withDetail("queueSize", stats.queueSize())
        .withDetail("spoolBytes", stats.spoolBytes())
        .withDetail("accepted", stats.accepted())
        .withDetail("delivered", stats.delivered())
        .withDetail("dropped", stats.droppedTotal())
        .withDetail("exportFailures", stats.exportFailures())
        .withDetail("exportTimeouts", stats.exportTimeouts())
        .build();
  }
}
