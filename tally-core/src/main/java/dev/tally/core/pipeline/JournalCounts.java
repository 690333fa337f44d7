package dev.tally.core.pipeline;

/**
 * The journal's part of {@link PipelineStats}: its settings and counters. All zero (and {@link
 * #NONE}) when the pipeline runs with {@link Durability#MEMORY}. Counters run from the pipeline's
 * start.
 *
 * @param capPolicy what an event meets at the cap
 * @param maxBytes the cap: bytes of segment files on disk
 * @param diskBytes bytes of segment files on disk now
 * @param backlog records in the journal not yet delivered (the sink's backlog)
 * @param appended events appended since start
 * @param recovered records found after the checkpoint at start, delivered again
 * @param torn unfinished appends found at start (a crash mid-append), truncated
 * @param corrupt records that failed their CRC (copied to {@code quarantine/}), skipped
 * @param droppedAtCap events dropped after waiting at the cap (also in {@code dropped})
 * @param refusedAtCap events refused at the cap (also in {@code dropped})
 * @param appendFailures appends that hit an I/O error (no segment could be allocated, e.g. a full
 *     disk); those events went to the spool
 * @param fsyncs group fsyncs ({@link Durability#MACHINE})
 * @param atCap whether the journal's files fill its cap, so that the next segment cannot be made
 *     until delivered ones are freed: new events meet the cap policy
 */
public record JournalCounts(
    JournalCapPolicy capPolicy,
    long maxBytes,
    long diskBytes,
    long backlog,
    long appended,
    long recovered,
    long torn,
    long corrupt,
    long droppedAtCap,
    long refusedAtCap,
    long appendFailures,
    long fsyncs,
    boolean atCap) {

  /** No journal ({@link Durability#MEMORY}). */
  public static final JournalCounts NONE =
      new JournalCounts(JournalCapPolicy.WAIT_THEN_DROP, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false);
}
