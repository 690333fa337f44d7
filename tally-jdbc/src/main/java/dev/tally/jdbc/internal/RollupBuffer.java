package dev.tally.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * SQLite's deferred rollups: the deltas of committed batches, summed in memory and written every
 * {@code flushBatches} batches or {@code flushIntervalNanos} (whichever comes first), inside a
 * batch's own transaction, together with the mark {@code tally_rollup_mark.seq} = the last event
 * they cover. Exactly once: rollups always equal the events with {@code seq <= mark}; reports read
 * the events after the mark raw ({@link ReportEngine}), so nothing lags silently.
 *
 * <p>The memory is used only while it provably covers every row after the mark: the mark is the one
 * this writer set, and every row since was inserted by this writer (the highest {@code seq} before
 * each batch is the last one it wrote). Otherwise (a second writer on the file, a batch that failed
 * after its commit was unclear, a crash before the last flush) the flush sums the rows after the
 * mark from the table instead. On start the store flushes, so rows a crash left after the mark are
 * folded in at once.
 *
 * <p>Used by one writer thread at a time (the caller holds the store's write lock).
 */
final class RollupBuffer {
  private final int flushBatches;
  private final long flushIntervalNanos;
  private final TreeMap<RollupKey, Measures> pending = new TreeMap<>();
  private boolean clean;
  private long expectedMark = -1;
  private long lastSeq = -1;
  private int batches;
  private long lastFlushNanos;
  private boolean flushRequested = true;

  RollupBuffer(int flushBatches, long flushIntervalNanos, long nowNanos) {
    this.flushBatches = flushBatches;
    this.flushIntervalNanos = flushIntervalNanos;
    this.lastFlushNanos = nowNanos;
  }

  /** Makes the next batch flush (shutdown, an explicit flush, the store's start). */
  void requestFlush() {
    flushRequested = true;
  }

  /** What one batch will do with the rollups; applied to the buffer only after its commit. */
  final class Step {
    final boolean flush;
    final boolean stillClean;
    final long mark;
    final long newLastSeq;
    final TreeMap<RollupKey, Measures> batchDeltas;

    private Step(
        boolean flush,
        boolean stillClean,
        long mark,
        long newLastSeq,
        TreeMap<RollupKey, Measures> deltas) {
      this.flush = flush;
      this.mark = mark;
      this.stillClean = stillClean;
      this.newLastSeq = newLastSeq;
      this.batchDeltas = deltas;
    }
  }

  /**
   * Plans the batch: {@code maxSeqBefore} (the highest seq, at least the mark) and {@code mark} as
   * read in its transaction before the insert, {@code newMaxSeq} likewise after it, {@code deltas}
   * of the rows it really inserted.
   */
  Step plan(
      long maxSeqBefore,
      long mark,
      long newMaxSeq,
      TreeMap<RollupKey, Measures> deltas,
      long nowNanos) {
    boolean stillClean = clean && maxSeqBefore == lastSeq && mark == expectedMark;
    boolean flush =
        flushRequested
            || !stillClean && newMaxSeq > mark
            || batches + 1 >= flushBatches
            || nowNanos - lastFlushNanos >= flushIntervalNanos;
    if (newMaxSeq == mark) {
      flush = false; // nothing after the mark: rollups are complete already
      stillClean = true;
    }
    return new Step(flush, stillClean, mark, newMaxSeq, deltas);
  }

  /** Inside the batch's transaction: writes the rollups and moves the mark. */
  void flush(Connection c, @Nullable StatementCache statements, Step step) throws SQLException {
    long mark = step.mark;
    SortedMap<RollupKey, Measures> toWrite;
    if (step.stillClean) {
      TreeMap<RollupKey, Measures> all = new TreeMap<>(pending);
      for (Map.Entry<RollupKey, Measures> e : step.batchDeltas.entrySet()) {
        Measures old = all.get(e.getKey());
        if (old == null) {
          all.put(e.getKey(), e.getValue());
        } else {
          Measures sum = old.copy();
          sum.add(e.getValue());
          all.put(e.getKey(), sum);
        }
      }
      toWrite = all;
    } else {
      toWrite = sumAfter(c, mark);
    }
    RollupWriter.applySqlite(c, statements, toWrite);
    try (PreparedStatement ps = c.prepareStatement("UPDATE tally_rollup_mark SET seq = ?")) {
      ps.setLong(1, step.newLastSeq);
      ps.executeUpdate();
    }
  }

  /** After the batch committed. */
  void committed(Step step, long nowNanos) {
    lastSeq = step.newLastSeq;
    if (step.flush || step.newLastSeq == step.mark) {
      pending.clear();
      clean = true;
      expectedMark = step.newLastSeq;
      if (step.flush) {
        batches = 0;
        lastFlushNanos = nowNanos;
      }
      flushRequested = false;
      return;
    }
    batches++;
    if (step.stillClean) {
      for (Map.Entry<RollupKey, Measures> e : step.batchDeltas.entrySet()) {
        Measures old = pending.get(e.getKey());
        if (old == null) {
          pending.put(e.getKey(), e.getValue());
        } else {
          old.add(e.getValue());
        }
      }
    } else {
      clean = false;
      pending.clear();
    }
  }

  /** After a failed batch: what is in memory can no longer be trusted to match the table. */
  void failed() {
    clean = false;
    pending.clear();
  }

  /** Rollup keys held in memory (a test hook). */
  int pendingKeys() {
    return pending.size();
  }

  /** The deltas of every event after {@code mark}, summed from the table. */
  static TreeMap<RollupKey, Measures> sumAfter(Connection c, long mark) throws SQLException {
    TreeMap<RollupKey, Measures> out = new TreeMap<>();
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
                  outcome == Codes.outcome(dev.tally.core.Outcome.ERROR),
                  rs.getLong(8),
                  rs.getLong(9),
                  rs.getLong(10),
                  rs.getLong(11),
                  rs.getLong(12),
                  rs.getInt(7) == Codes.source(dev.tally.core.UsageSource.MISSING),
                  costNanos,
                  rs.getLong(14),
                  rs.getInt(15));
        }
      }
    }
    return out;
  }
}
