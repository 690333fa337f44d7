package dev.tally.core.internal.pipeline;

import dev.tally.core.pipeline.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@code PipelineStats}, shared by the pipeline's parts. */
public final class PipelineCounters {
  public final LongAdder accepted = new LongAdder();
  public final LongAdder delivered = new LongAdder();
  public final LongAdder spooled = new LongAdder();
  public final LongAdder replayed = new LongAdder();
  public final LongAdder deadLettered = new LongAdder();
  public final LongAdder deadLetteredFromSpool = new LongAdder();
  public final LongAdder exportFailures = new LongAdder();
  public final LongAdder exportTimeouts = new LongAdder();
  private final Map<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);

  public PipelineCounters() {
    for (DropReason reason : DropReason.values()) {
      dropped.put(reason, new LongAdder());
    }
  }

  public void drop(DropReason reason, long count) {
    dropped.get(reason).add(count);
  }

  public long droppedTotal() {
    long total = 0;
    for (LongAdder count : dropped.values()) {
      total += count.sum();
    }
    return total;
  }

  /** Non-zero drop counts by reason. */
  public Map<DropReason, Long> droppedByReason() {
    Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
    dropped.forEach(
        (reason, count) -> {
          long n = count.sum();
          if (n > 0) {
            drops.put(reason, n);
          }
        });
    return drops;
  }
}
