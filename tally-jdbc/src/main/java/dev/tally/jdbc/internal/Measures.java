package dev.tally.jdbc.internal;

import dev.tally.core.Outcome;
import dev.tally.core.query.DurationStats;
import dev.tally.core.query.Money;
import dev.tally.core.query.TokenTotals;
import dev.tally.core.query.UsageMeasures;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A mutable sum of usage: a rollup delta while writing, a report cell while reading. */
final class Measures {
  long requests;
  long errors;
  long input;
  long cachedInput;
  long cacheWrite;
  long output;
  long reasoning;
  long tokensMissing;
  long costNanos;
  long unpriced;
  long durationSumUs;
  long durationMaxNs;
  final long[] histogram = new long[DurationHistogram.BUCKETS];
  // Only for report cells, where rows of several currencies meet.
  final Map<String, Long> costByCurrency = new TreeMap<>();

  void add(EventRow row) {
    var e = row.event();
    requests++;
    if (e.outcome() == Outcome.ERROR) { // a CANCELLED stream is not an error
      errors++;
    }
    var t = e.tokens();
    input += t.input();
    cachedInput += t.cachedInput();
    cacheWrite += t.cacheWrite();
    output += t.output();
    reasoning += t.reasoning();
    if (!t.isKnown()) {
      tokensMissing++;
    }
    if (row.costNanos() == null) {
      unpriced++;
    } else {
      costNanos += row.costNanos();
    }
    durationSumUs += row.durationNs() / 1000;
    durationMaxNs = Math.max(durationMaxNs, row.durationNs());
    histogram[row.durationBucket()]++;
  }

  UsageMeasures toMeasures() {
    List<Money> cost = new ArrayList<>();
    costByCurrency.forEach(
        (currency, nanos) -> {
          if (!currency.isEmpty()) {
            cost.add(new Money(amount(nanos), currency));
          }
        });
    cost.sort(Comparator.comparing(Money::amount).reversed().thenComparing(Money::currency));
    long avgNs = requests == 0 ? 0 : (durationSumUs / requests) * 1000;
    DurationStats duration =
        new DurationStats(
            Duration.ofNanos(avgNs),
            Duration.ofNanos(DurationHistogram.percentileNanos(histogram, 50, durationMaxNs)),
            Duration.ofNanos(DurationHistogram.percentileNanos(histogram, 95, durationMaxNs)),
            Duration.ofNanos(DurationHistogram.percentileNanos(histogram, 99, durationMaxNs)),
            Duration.ofNanos(durationMaxNs));
    return new UsageMeasures(
        requests,
        errors,
        new TokenTotals(input, cachedInput, cacheWrite, output, reasoning),
        tokensMissing,
        cost,
        unpriced,
        duration);
  }

  static BigDecimal amount(long nanos) {
    BigDecimal d = BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0) : d;
  }
}
