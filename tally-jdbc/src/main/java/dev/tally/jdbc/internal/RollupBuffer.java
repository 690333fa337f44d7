package dev.tally.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * SQLite's deferred rollups: the deltas of committed batches, summed in memory and written every
 * {@code flushBatches} batches or {@code flushIntervalNanos} (whichever comes first), inside a
 * batch's own transaction, together with the mark {@code tally_rollup_mark.seq} = the last event
 * they cover. Exactly once: rollups always equal the events with {@code seq <= mark}; reports read
 * the events after the mark raw ({@link ReportEngine}), so nothing lags silently.
 *
 * <p>The memory is used only while it provably covers every row after the mark ("clean"): the mark
 * is the one this writer set, and before each batch the highest {@code seq} is the last one this
 * writer wrote (no other writer added rows in between). Otherwise (a second writer on the file, a
 * failed batch, the store's start after a crash) the flush sums the rows after the mark from the
 * table instead, at once. While clean it also remembers the histogram it last wrote for each rollup
 * row of recent hours, so a flush updates those rows without reading them first.
 *
 * <p>Used by one writer thread at a time (the store serializes SQLite writes). A batch adds its
 * deltas before it commits; if it fails, {@link #failed} forgets the memory, and the next flush
 * reads the table.
 */
final class RollupBuffer {
  private static final long KEEP_STORED_NANOS = 2 * EventRow.NANOS_PER_HOUR;
  private static final int PRUNE_STORED_ABOVE = 50_000;

  /**
   * A flush is also due once this many events wait in memory, whatever the batch count and time: it
   * bounds what a report reads raw after the mark.
   */
  static final int MAX_PENDING_EVENTS = 200_000;

  private final int flushBatches;
  private final long flushIntervalNanos;
  private final HashMap<RollupKey, Measures> pending = new HashMap<>();
  private final HashMap<RollupKey, byte[]> stored = new HashMap<>();
  private final HashMap<RollupKey, byte[]> staged = new HashMap<>();
  private boolean clean;
  private long expectedMark = -1;
  private long lastSeq = -1;
  private int batches;
  private long lastFlushNanos;
  private boolean flushRequested = true;
  private long newestHour = Long.MIN_VALUE;
  private long pendingEvents;

  RollupBuffer(int flushBatches, long flushIntervalNanos, long nowNanos) {
    this.flushBatches = flushBatches;
    this.flushIntervalNanos = flushIntervalNanos;
    this.lastFlushNanos = nowNanos;
  }

  /** Makes the next batch flush (shutdown, an explicit flush, the store's start). */
  void requestFlush() {
    flushRequested = true;
  }

  /**
   * At the start of a batch's transaction, with the highest seq (at least the mark) and the mark:
   * whether the memory still covers every row after the mark. If not, it is dropped.
   */
  boolean begin(long maxSeqBefore, long mark) {
    if (!(clean && maxSeqBefore == lastSeq && mark == expectedMark)) {
      clean = false;
      pendingEvents = 0;
      pending.clear();
      stored.clear();
    }
    staged.clear();
    return clean;
  }

  /** Adds an inserted event's delta (only while clean). */
  void add(RollupKey key, EventRow row) {
    pending.computeIfAbsent(key, k -> new Measures()).add(row);
    pendingEvents++;
    newestHour = Math.max(newestHour, key.hourStartNs());
  }

  /** Whether this batch writes the rollups: due by count or time, requested, or memory unusable. */
  boolean flushDue(long mark, long newMaxSeq, long nowNanos) {
    if (newMaxSeq == mark) {
      return false; // nothing after the mark: the rollups are complete already
    }
    return flushRequested
        || !clean
        || batches + 1 >= flushBatches
        || pendingEvents >= MAX_PENDING_EVENTS
        || nowNanos - lastFlushNanos >= flushIntervalNanos;
  }

  /** Inside the batch's transaction: writes the rollups and moves the mark to {@code newMaxSeq}. */
  void flush(Connection c, @Nullable StatementCache statements, long mark, long newMaxSeq)
      throws SQLException {
    TreeMap<RollupKey, Measures> toWrite = clean ? new TreeMap<>(pending) : sumAfter(c, mark);
    RollupWriter.applySqlite(c, statements, toWrite, stored, staged);
    try (PreparedStatement ps = c.prepareStatement("UPDATE tally_rollup_mark SET seq = ?")) {
      ps.setLong(1, newMaxSeq);
      ps.executeUpdate();
    }
  }

  /** After the batch committed. */
  void committed(boolean flushed, long mark, long newMaxSeq, long nowNanos) {
    lastSeq = newMaxSeq;
    if (flushed || newMaxSeq == mark) {
      pending.clear();
      pendingEvents = 0;
      clean = true;
      expectedMark = flushed ? newMaxSeq : mark;
      if (flushed) {
        batches = 0;
        lastFlushNanos = nowNanos;
        stored.putAll(staged);
        staged.clear();
        pruneStored();
      }
      flushRequested = false;
      return;
    }
    batches++;
  }

  /** After a failed batch: what is in memory can no longer be trusted to match the table. */
  void failed() {
    clean = false;
    pendingEvents = 0;
    pending.clear();
    stored.clear();
    staged.clear();
  }

  /** Rollup keys held in memory (a test hook). */
  int pendingKeys() {
    return pending.size();
  }

  private void pruneStored() {
    if (stored.size() > PRUNE_STORED_ABOVE) {
      long oldest = newestHour - KEEP_STORED_NANOS;
      stored.keySet().removeIf(k -> k.hourStartNs() < oldest);
    }
  }

  /** The deltas of every event after {@code mark}, summed from the table. */
  static TreeMap<RollupKey, Measures> sumAfter(Connection c, long mark) throws SQLException {
    TreeMap<RollupKey, Measures> out = new TreeMap<>();
    int error = Codes.outcome(dev.tally.core.event.Outcome.ERROR);
    int missing = Codes.source(dev.tally.core.event.UsageSource.MISSING);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT occurred_at_ns, subject, operation, model, outcome, currency, token_source,"
                + " input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
                + " reasoning_tokens, cost_nanos, duration_ns, duration_bucket"
                + " FROM tally_event WHERE seq > ?")) {
      ps.setLong(1, mark);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long at = rs.getLong(1);
          int outcome = rs.getInt(5);
          RollupKey key =
              new RollupKey(
                  Math.floorDiv(at, EventRow.NANOS_PER_HOUR) * EventRow.NANOS_PER_HOUR,
                  rs.getString(2),
                  rs.getInt(3),
                  rs.getInt(4),
                  outcome,
                  rs.getInt(6));
          long cost = rs.getLong(13);
          Long costNanos = rs.wasNull() ? null : cost;
          out.computeIfAbsent(key, k -> new Measures())
              .add(
                  outcome == error,
                  rs.getLong(8),
                  rs.getLong(9),
                  rs.getLong(10),
                  rs.getLong(11),
                  rs.getLong(12),
                  rs.getInt(7) == missing,
                  costNanos,
                  rs.getLong(14),
                  rs.getInt(15));
        }
      }
    }
    return out;
  }

  /** For tests: the rollup rows this buffer knows it wrote. */
  Map<RollupKey, byte[]> stored() {
    return stored;
  }
}
