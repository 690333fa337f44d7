package dev.tally.jdbc;

/** Which table answers a usage query. */
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
