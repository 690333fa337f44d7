package dev.tally.core.query;

import java.time.Instant;
import java.util.List;

/**
 * The answer to a {@link UsageQuery}: rows ordered by bucket start, then by group values. Buckets
 * and groups with no events have no row.
 *
 * @param query the query answered
 * @param source the table that answered the whole hours: {@link QuerySource#ROLLUPS} or {@link
 *     QuerySource#RAW}
 * @param rows the rows
 * @param rawSpans the parts of the interval that were read from raw events: the whole interval when
 *     {@code source} is {@link QuerySource#RAW}; with {@link QuerySource#ROLLUPS}, only the hours
 *     an edge cuts (a bound or bucket edge off the whole UTC hour), each clipped to the interval;
 *     empty when every edge is on the hour
 */
public record UsageReport(
    UsageQuery query, QuerySource source, List<UsageRow> rows, List<Span> rawSpans) {
  public UsageReport {
    rows = List.copyOf(rows);
    rawSpans = List.copyOf(rawSpans);
  }

  /** A report whose raw spans follow from its source alone: all or nothing. */
  public UsageReport(UsageQuery query, QuerySource source, List<UsageRow> rows) {
    this(
        query,
        source,
        rows,
        source == QuerySource.RAW ? List.of(new Span(query.from(), query.to())) : List.of());
  }

  /** A half-open interval {@code [start, end)}. */
  public record Span(Instant start, Instant end) {}
}
