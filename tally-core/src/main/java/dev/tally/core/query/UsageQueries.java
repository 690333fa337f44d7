package dev.tally.core.query;

import java.util.List;

/**
 * Read access to a usage ledger: reports (totals or time series, grouped and filtered) and pages of
 * raw events. Implemented by the JDBC store ({@code JdbcUsageStore}) and, for tests, by {@code
 * InMemoryUsageSink} in tally-test; both pass the shared {@code UsageQueriesConformanceTest}, so
 * they give the same answers for the same events.
 *
 * <p>Methods block until answered. They throw {@link IllegalArgumentException} for a query they
 * refuse, with a message naming the parameter and value, and {@link IllegalStateException} (with
 * the underlying failure as cause) when the storage fails.
 */
public interface UsageQueries {

  /**
   * Totals (no window) or a time series (with a window), grouped and filtered as asked. A store
   * with hourly rollups answers from them when they can answer exactly, from raw events otherwise;
   * {@link UsageReport#source()} says which.
   *
   * @throws IllegalArgumentException when the query asks for more than {@link
   *     UsageQuery#MAX_BUCKETS} buckets, or for {@link QuerySource#ROLLUPS} where hourly rollups
   *     cannot answer exactly (a {@link Window#MINUTE} window, or a bound or bucket edge off the
   *     whole UTC hour)
   */
  UsageReport report(UsageQuery query);

  /**
   * Several reports read from one snapshot of the ledger, so that they agree with each other
   * (totals with their series, a breakdown with its totals) even while events are written. This
   * default reads them one by one; the JDBC store reads them in one read transaction.
   *
   * @return one report per query, in the order given
   */
  default List<UsageReport> reports(List<UsageQuery> queries) {
    return queries.stream().map(this::report).toList();
  }

  /**
   * A page of raw events, in the query's order.
   *
   * @throws IllegalArgumentException when the cursor is not one this store issued
   */
  EventPage events(EventQuery query);
}
