package dev.tally.kafka;

/**
 * A snapshot of a {@link KafkaUsageIngester}'s counters.
 *
 * @param running the ingest thread is running (false before start, after close, or after a fatal
 *     error)
 * @param sinkHealthy false after an export failed, until one succeeds again
 * @param assignedPartitions partitions this member of the group owns now
 * @param lag records on the owned partitions not yet read: the sum over them of (log end offset −
 *     position), from the consumer's last fetch; -1 while unknown
 * @param received records read from the topic, redeliveries included
 * @param batches batches the sink acknowledged ({@code stored / batches} is the mean batch size)
 * @param stored events the sink acknowledged (a redelivered event counts again here; the store
 *     keeps it once)
 * @param deadLettered records sent to the dead-letter topic, undecodable or rejected by the sink
 * @param exportFailures failed or timed-out exports; each rewinds its records and backs off
 * @param commits offset commits that succeeded
 * @param commitFailures offset commits that failed (the records are read again and the store
 *     ignores their ids)
 * @param rebalances partition revocations and losses seen
 */
public record IngesterStats(
    boolean running,
    boolean sinkHealthy,
    int assignedPartitions,
    long lag,
    long received,
    long batches,
    long stored,
    long deadLettered,
    long exportFailures,
    long commits,
    long commitFailures,
    long rebalances) {

  /** Running, and the sink's last export succeeded. */
  public boolean healthy() {
    return running && sinkHealthy;
  }
}
