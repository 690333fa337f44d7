package dev.tally.core.query;

import java.util.List;

/**
 * What one row of a report measures.
 *
 * @param requests events counted
 * @param errors events whose outcome was ERROR; CANCELLED events (a client that left a stream) are
 *     not errors: group by {@link GroupField#OUTCOME} to count them
 * @param tokens summed tokens by category
 * @param tokensMissing events whose token usage was unknown (MISSING): their tokens are not in
 *     {@code tokens}
 * @param cost the summed cost of priced events, one entry per currency, largest first; empty when
 *     no event was priced
 * @param unpriced events without a cost: the cost of these is unknown, never zero
 * @param duration duration statistics
 */
public record UsageMeasures(
    long requests,
    long errors,
    TokenTotals tokens,
    long tokensMissing,
    List<Money> cost,
    long unpriced,
    DurationStats duration) {

  public UsageMeasures {
    cost = List.copyOf(cost);
  }

  /** errors / requests, or 0 when there were no requests. */
  public double errorRate() {
    return requests == 0 ? 0.0 : (double) errors / requests;
  }
}
