package dev.tally.jdbc;

import java.util.List;

/**
 * The answer to a {@link UsageQuery}: rows ordered by bucket start, then by group values. Buckets
 * and groups with no events have no row.
 *
 * @param query the query answered
 * @param source the table that answered: {@link QuerySource#ROLLUPS} or {@link QuerySource#RAW}
 * @param rows the rows
 */
public record UsageReport(UsageQuery query, QuerySource source, List<UsageRow> rows) {
  public UsageReport {
    rows = List.copyOf(rows);
  }
}
