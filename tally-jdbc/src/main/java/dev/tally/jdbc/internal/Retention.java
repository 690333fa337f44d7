package dev.tally.jdbc.internal;

import dev.tally.jdbc.RetentionPolicy;
import dev.tally.jdbc.RetentionResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Deletes old raw rows in small autocommitted batches, so that writers are never held up for long
 * (SQLite has a single writer) and a PostgreSQL transaction never grows large. Rollups are kept.
 */
public final class Retention {
  /** Rows deleted per statement (and per transaction). */
  public static final int BATCH = 1000;

  private Retention() {}

  /**
   * Deletes what the policy no longer keeps. With {@code deferredRollups} (SQLite) events after the
   * rollup mark are kept until a flush has counted them, so retention never takes an event out of
   * the rollups.
   */
  public static RetentionResult apply(
      Connection c, RetentionPolicy policy, Instant now, boolean deferredRollups)
      throws SQLException {
    long nowNs = ReportEngine.clampedNanos(now);
    long rawCutoff = nowNs - policy.rawEvents().toNanos();
    // Content never outlives its event.
    long contentCutoff = Math.max(rawCutoff, nowNs - policy.capturedContent().toNanos());
    long content =
        deleteAll(
            c,
            "DELETE FROM tally_event_content WHERE id IN (SELECT id FROM tally_event_content"
                + " WHERE occurred_at_ns < ? LIMIT "
                + BATCH
                + ")",
            contentCutoff);
    long events =
        deleteAll(
            c,
            "DELETE FROM tally_event WHERE seq IN (SELECT seq FROM tally_event"
                + " WHERE occurred_at_ns < ?"
                + (deferredRollups
                    ? " AND seq <= (SELECT seq FROM tally_rollup_mark WHERE id = 1)"
                    : "")
                + " LIMIT "
                + BATCH
                + ")",
            rawCutoff);
    return new RetentionResult(events, content);
  }

  private static long deleteAll(Connection c, String sql, long cutoff) throws SQLException {
    long total = 0;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      while (true) {
        ps.setLong(1, cutoff);
        int n = ps.executeUpdate();
        total += n;
        if (n < BATCH) {
          return total;
        }
      }
    }
  }
}
