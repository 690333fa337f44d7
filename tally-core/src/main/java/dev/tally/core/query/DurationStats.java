package dev.tally.core.query;

import java.time.Duration;

/**
 * Durations of the requests of one row. {@code avg} is exact to the microsecond and {@code max} is
 * exact; the percentiles are nearest-rank values, which a store may estimate: the JDBC store reads
 * them from a log-scale histogram, within the error stated in {@code docs/STORE.md} (about 9.1% of
 * the true value for durations between 1 ms and about 17 minutes); the in-memory sink of tally-test
 * gives them exactly.
 */
public record DurationStats(Duration avg, Duration p50, Duration p95, Duration p99, Duration max) {}
