package dev.tally.spring.actuate;

import dev.tally.core.UsageTracker;
import dev.tally.core.budget.BudgetEvaluatingSink;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.pricing.PricingSink;
import dev.tally.core.sink.ForwardingUsageSink;
import dev.tally.core.sink.UsageSink;
import dev.tally.jdbc.JdbcUsageStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** The actuator endpoint {@code /actuator/tally}: pipeline counters and store information. */
@Endpoint(id = "tally")
public final class TallyEndpoint {
  private final UsagePipeline pipeline;
  private final UsageTracker tracker;

  public TallyEndpoint(UsagePipeline pipeline, UsageTracker tracker) {
    this.pipeline = pipeline;
    this.tracker = tracker;
  }

  @ReadOperation
  public Map<String, Object> tally() {
    PipelineStats stats = pipeline.stats();
    Map<String, Object> pipelineInfo = new LinkedHashMap<>();
    pipelineInfo.put("accepted", stats.accepted());
    pipelineInfo.put("delivered", stats.delivered());
    pipelineInfo.put("spooled", stats.spooled());
    pipelineInfo.put("replayed", stats.replayed());
    pipelineInfo.put("deadLettered", stats.deadLettered());
    pipelineInfo.put("dropped", stats.dropped());
    pipelineInfo.put("queueSize", stats.queueSize());
    pipelineInfo.put("queueCapacity", stats.queueCapacity());
    pipelineInfo.put("spoolBytes", stats.spoolBytes());
    pipelineInfo.put("quarantinedRecords", stats.quarantinedRecords());
    pipelineInfo.put("exportFailures", stats.exportFailures());
    pipelineInfo.put("exportTimeouts", stats.exportTimeouts());
    pipelineInfo.put("sinkHealthy", stats.sinkHealthy());
    pipelineInfo.put("durability", stats.durability().name());
    if (stats.durability() != Durability.MEMORY) {
      pipelineInfo.put("journal", stats.journal());
    }
    pipelineInfo.put("spoolDirectory", pipeline.spoolDirectory().toAbsolutePath().toString());

    Map<String, Object> store = new LinkedHashMap<>();
    store.put("sink", pipeline.sink().name());
    UsageSink sink = pipeline.sink();
    while (sink instanceof ForwardingUsageSink decorator) {
      if (decorator instanceof BudgetEvaluatingSink) {
        store.put("budgets", true);
      } else if (decorator instanceof PricingSink priced) {
        store.put("priceVersion", priced.catalog().version());
      }
      sink = decorator.delegate();
    }
    if (sink instanceof JdbcUsageStore jdbc) {
      store.put("dialect", jdbc.dialect().name());
    }

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("enabled", tracker.isEnabled());
    result.put("invalidEvents", tracker.invalidEvents());
    result.put("pipeline", pipelineInfo);
    result.put("store", store);
    return result;
  }
}
