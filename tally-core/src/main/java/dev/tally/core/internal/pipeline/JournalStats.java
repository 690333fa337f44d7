package dev.tally.core.internal.pipeline;

import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;

/**
 * A snapshot of a {@link Journal}'s settings and counters. Counters run from the journal's open.
 *
 * @param durability {@link Durability#PROCESS} or {@link Durability#MACHINE}
 * @param capPolicy what happens to an append when the cap is reached
 * @param maxBytes the cap: total bytes of segment files on disk
 * @param diskBytes bytes of segment files on disk now (preallocated: whole segments)
 * @param segments segment files holding records not yet checkpointed, the active one included
 * @param appended records appended since open
 * @param appendedBytes body bytes of those records
 * @param recoveredRecords records found after the checkpoint when the journal was opened
 * @param tornRecords unfinished appends found by recovery (a crash mid-append), truncated
 * @param corruptRecords records that failed their CRC, skipped (copied to {@code quarantine/})
 * @param droppedAtCap appends dropped after waiting at the cap ({@link
 *     JournalCapPolicy#WAIT_THEN_DROP})
 * @param refusedAtCap appends refused at the cap ({@link JournalCapPolicy#REFUSE})
 * @param appendFailures appends that failed with an I/O error (no segment could be allocated)
 * @param fsyncs group fsyncs that forced data to disk ({@link Durability#MACHINE})
 * @param deletedSegments segments deleted after a checkpoint passed them
 */
public record JournalStats(
    Durability durability,
    JournalCapPolicy capPolicy,
    long maxBytes,
    long diskBytes,
    int segments,
    long appended,
    long appendedBytes,
    long recoveredRecords,
    long tornRecords,
    long corruptRecords,
    long droppedAtCap,
    long refusedAtCap,
    long appendFailures,
    long fsyncs,
    long deletedSegments) {}
