package dev.tally.jdbc;

import java.util.List;

/**
 * Read access to the usage ledger. Methods block on the database and throw {@link
 * IllegalArgumentException} for a query they refuse, with a message naming the parameter and value,
 * and {@link IllegalStateException} (with the {@link java.sql.SQLException} as cause) when the
 * database fails.
 */
public interface UsageQueries {

  /**
   * Totals (no window) or a time series (with a window), grouped and filtered as asked. Answered
   * from hourly rollups when they can answer exactly, from raw events otherwise; {@link
   * UsageReport#source()} says which.
   *
   * @throws IllegalArgumentException when the query asks for more than {@link
   *     UsageQuery#MAX_BUCKETS} buckets, or for rollups where they cannot answer exactly
   */
  UsageReport report(UsageQuery query);

  /**
   * Several reports read from one snapshot of the ledger, so that they agree with each other
   * (totals with their series, a breakdown with its totals) even while events are written. This
   * default reads them one by one; {@link JdbcUsageStore} reads them in one read transaction.
   *
   * @return one report per query, in the order given
   */
  default List<UsageReport> reports(List<UsageQuery> queries) {
    return queries.stream().map(this::report).toList();
  }

  /**
   * A page of raw events, oldest first.
   *
   * @throws IllegalArgumentException when the cursor is not one this store issued
   */
  EventPage events(EventQuery query);
}
