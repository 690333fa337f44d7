package dev.tally.jdbc;

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
   * A page of raw events, oldest first.
   *
   * @throws IllegalArgumentException when the cursor is not one this store issued
   */
  EventPage events(EventQuery query);
}
