package dev.tally.jdbc.internal;

import java.util.Comparator;

/**
 * The key of an hourly rollup row: the hour, the subject and the codes ({@link Codes}) of
 * operation, model, outcome and currency; 0 is "none".
 */
record RollupKey(
    long hourStartNs, String subject, int operation, int model, int outcome, int currency)
    implements Comparable<RollupKey> {

  private static final Comparator<RollupKey> ORDER =
      Comparator.comparingLong(RollupKey::hourStartNs)
          .thenComparing(RollupKey::subject)
          .thenComparingInt(RollupKey::operation)
          .thenComparingInt(RollupKey::model)
          .thenComparingInt(RollupKey::outcome)
          .thenComparingInt(RollupKey::currency);

  /** One order for every writer, so concurrent upserts on PostgreSQL lock rows without deadlock. */
  @Override
  public int compareTo(RollupKey o) {
    return ORDER.compare(this, o);
  }
}
