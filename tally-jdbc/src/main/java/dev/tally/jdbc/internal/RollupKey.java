package dev.tally.jdbc.internal;

import java.util.Comparator;

/** The key of an hourly rollup row; model and currency are '' for "none". */
record RollupKey(
    long hourStartNs,
    String subject,
    String operation,
    String model,
    String outcome,
    String currency)
    implements Comparable<RollupKey> {

  private static final Comparator<RollupKey> ORDER =
      Comparator.comparingLong(RollupKey::hourStartNs)
          .thenComparing(RollupKey::subject)
          .thenComparing(RollupKey::operation)
          .thenComparing(RollupKey::model)
          .thenComparing(RollupKey::outcome)
          .thenComparing(RollupKey::currency);

  /** One order for every writer, so concurrent upserts on PostgreSQL lock rows without deadlock. */
  @Override
  public int compareTo(RollupKey o) {
    return ORDER.compare(this, o);
  }
}
