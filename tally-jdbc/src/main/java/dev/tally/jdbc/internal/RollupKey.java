package dev.tally.jdbc.internal;

/**
 * The key of an hourly rollup row: the hour, the subject and the codes ({@link Codes}) of
 * operation, model, outcome and currency; 0 is "none".
 */
record RollupKey(
    long hourStartNs, String subject, int operation, int model, int outcome, int currency)
    implements Comparable<RollupKey> {

  /** One order for every writer, so concurrent upserts on PostgreSQL lock rows without deadlock. */
  @Override
  public int compareTo(RollupKey o) {
    int c = Long.compare(hourStartNs, o.hourStartNs);
    if (c == 0) {
      c = subject.compareTo(o.subject);
    }
    if (c == 0) {
      c = Integer.compare(operation, o.operation);
    }
    if (c == 0) {
      c = Integer.compare(model, o.model);
    }
    if (c == 0) {
      c = Integer.compare(outcome, o.outcome);
    }
    if (c == 0) {
      c = Integer.compare(currency, o.currency);
    }
    return c;
  }
}
