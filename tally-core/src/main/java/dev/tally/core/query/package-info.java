/**
 * The query model, storage-neutral: a {@link dev.tally.core.query.UsageQuery} (interval, window,
 * zone, group-by, filters, exclusions) answered by {@link dev.tally.core.query.UsageQueries} with a
 * {@link dev.tally.core.query.UsageReport} of {@link dev.tally.core.query.UsageRow}s, and pages of
 * raw events ({@link dev.tally.core.query.EventQuery}, {@link dev.tally.core.query.EventPage}).
 * Costs are {@link dev.tally.core.query.Money} per currency; an unpriced event is counted apart,
 * never as zero. Implemented by the JDBC store and by tally-test's in-memory sink.
 */
@NullMarked
package dev.tally.core.query;

import org.jspecify.annotations.NullMarked;
