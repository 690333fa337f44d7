package dev.tally.jdbc;

/** How raw events are sent to PostgreSQL. Both are idempotent and feed the rollups the same way. */
public enum PostgresWriteMode {
  /** {@code COPY} into a temporary table, then one {@code INSERT ... SELECT}. The default. */
  COPY,
  /**
   * Multi-row {@code INSERT ... VALUES} statements, as {@code reWriteBatchedInserts} would send.
   */
  MULTI_ROW_VALUES
}
