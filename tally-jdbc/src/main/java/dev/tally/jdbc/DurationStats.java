package dev.tally.jdbc;

import java.time.Duration;

/**
 * Durations of the requests of one row. {@code avg} is exact to the microsecond and {@code max} is
 * exact; the percentiles come from a log-scale histogram and are within the error stated in {@code
 * docs/STORE.md} (about 9.1% of the true value for durations between 1 ms and about 17 minutes).
 */
public record DurationStats(Duration avg, Duration p50, Duration p95, Duration p99, Duration max) {}
