package dev.tally.spring.actuate;

import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.JournalCounts;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP while the sink accepts batches; DOWN when it is failing or stalled (the store is unreachable,
 * refuses writes, or an export ran past {@code tally.pipeline.export-timeout}; batches go to the
 * spool or the journal); OUT_OF_SERVICE when the spool has grown past {@code
 * tally.health.max-spool-bytes}. The details carry the counters an operator needs to tell these
 * apart: {@code exportFailures} and {@code exportTimeouts}, the {@code durability}, and with a
 * journal its backlog, size, cap, cap policy and the events dropped or refused at the cap.
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
    } else if (stats.journal().atCap()) {
      builder =
          Health.outOfService()
              .withDetail(
                  "reason",
                  "journal at its cap of "
                      + stats.journal().maxBytes()
                      + " bytes; events are "
                      + (stats.journal().capPolicy() == JournalCapPolicy.REFUSE
                          ? "refused"
                          : "dropped")
                      + " (counted)");
    } else if (!stats.sinkHealthy()) {
      builder =
          Health.down()
              .withDetail(
                  "reason",
                  stats.durability() == Durability.MEMORY
                      ? "sink failing; events are being spooled"
                      : "sink failing; events wait in the journal");
    } else {
      builder = Health.up();
    }
    builder.withDetail("durability", stats.durability().name());
    if (stats.durability() != Durability.MEMORY) {
      JournalCounts j = stats.journal();
      Map<String, Object> journal = new LinkedHashMap<>();
      journal.put("backlog", j.backlog());
      journal.put("diskBytes", j.diskBytes());
      journal.put("maxBytes", j.maxBytes());
      journal.put("capPolicy", j.capPolicy().name());
      journal.put("atCap", j.atCap());
      journal.put("droppedAtCap", j.droppedAtCap());
      journal.put("refusedAtCap", j.refusedAtCap());
      journal.put("appendFailures", j.appendFailures());
      journal.put("recovered", j.recovered());
      journal.put("torn", j.torn());
      journal.put("corrupt", j.corrupt());
      builder.withDetail("journal", journal);
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
