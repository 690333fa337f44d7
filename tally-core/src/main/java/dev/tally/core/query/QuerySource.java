package dev.tally.core.query;

/**
 * Which data answers a usage query, in a store that keeps hourly rollups beside raw events (the
 * JDBC store). A store without rollups answers every query from its events, but refuses {@link
 * #ROLLUPS} for the same queries a rollup store would, so that callers see one behaviour.
 */
public enum QuerySource {
  /**
   * Hourly rollups when the bounds and bucket edges fall on whole UTC hours and the window is not
   * {@link Window#MINUTE}; raw events otherwise. The default.
   */
  AUTO,
  /** Hourly rollups only; a query they cannot answer exactly is refused. */
  ROLLUPS,
  /** Raw events only: slower, and limited to the raw retention period. */
  RAW
}
