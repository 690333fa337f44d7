package dev.tally.core.query;

/**
 * The width of a time-series bucket. {@link #MINUTE} and {@link #HOUR} are absolute (aligned to
 * UTC); {@link #DAY} and {@link #MONTH} follow the calendar of the query's time zone, so a day may
 * last 23 or 25 hours across a daylight-saving change.
 */
public enum Window {
  /** One minute. A store with hourly rollups answers it from raw events. */
  MINUTE,
  HOUR,
  DAY,
  MONTH
}
