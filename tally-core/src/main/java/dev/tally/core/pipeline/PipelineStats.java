package dev.tally.core.pipeline;

import java.util.Map;

/**
 * A snapshot of a {@link UsagePipeline}'s counters. Once the queue (or journal) is empty and the
 * spool has been replayed, {@code accepted == delivered - replayed + deadLettered + dropped +
 * events lost to quarantine} (with a journal, {@code replayed} counts the events of earlier runs
 * found in it).
 *
 * @param accepted events handed to the pipeline
 * @param delivered events a sink acknowledged, live or replayed
 * @param spooled events written to the spool (sink down, queue full, or shutdown)
 * @param replayed spooled events later delivered (part of {@code delivered})
 * @param deadLettered events a sink rejected, written to the dead-letter file with the reason
 * @param dropped events dropped, by reason; empty unless the policy allows drops or the disk fails
 * @param queueSize events waiting in memory
 * @param queueCapacity the queue's bound
 * @param spoolBytes bytes in the spool not yet replayed
 * @param quarantinedRecords damaged spool records moved aside
 * @param exportFailures failed export attempts, timed-out ones included
 * @param exportTimeouts export attempts that ran past the export timeout (a stalled or hung sink);
 *     each also marked the sink unhealthy
 * @param sinkHealthy false after an export failed its retries or timed out, until an export
 *     succeeds again
 * @param durability what an accepted event survives; with a journal ({@link Durability#PROCESS},
 *     {@link Durability#MACHINE}) {@code queueSize} is the journal's backlog in records and {@code
 *     queueCapacity} is 0 (the journal is bounded in bytes: {@link JournalCounts#maxBytes()})
 * @param journal the journal's settings and counters; {@link JournalCounts#NONE} without one
 */
public record PipelineStats(
    long accepted,
    long delivered,
    long spooled,
    long replayed,
    long deadLettered,
    Map<DropReason, Long> dropped,
    int queueSize,
    int queueCapacity,
    long spoolBytes,
    long quarantinedRecords,
    long exportFailures,
    long exportTimeouts,
    boolean sinkHealthy,
    Durability durability,
    JournalCounts journal) {

  public PipelineStats {
    dropped = Map.copyOf(dropped);
  }

  /** Counters of a pipeline without a journal ({@link Durability#MEMORY}). */
  public PipelineStats(
      long accepted,
      long delivered,
      long spooled,
      long replayed,
      long deadLettered,
      Map<DropReason, Long> dropped,
      int queueSize,
      int queueCapacity,
      long spoolBytes,
      long quarantinedRecords,
      long exportFailures,
      long exportTimeouts,
      boolean sinkHealthy) {
    this(
        accepted,
        delivered,
        spooled,
        replayed,
        deadLettered,
        dropped,
        queueSize,
        queueCapacity,
        spoolBytes,
        quarantinedRecords,
        exportFailures,
        exportTimeouts,
        sinkHealthy,
        Durability.MEMORY,
        JournalCounts.NONE);
  }

  /** All dropped events, whatever the reason. */
  public long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }
}
