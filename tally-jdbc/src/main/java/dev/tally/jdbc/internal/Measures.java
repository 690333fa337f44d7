package dev.tally.jdbc.internal;

import dev.tally.core.event.Outcome;
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
import org.jspecify.annotations.Nullable;

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
    var t = e.tokens();
    add(
        e.outcome() == Outcome.ERROR, // a CANCELLED stream is not an error
        t.input(),
        t.cachedInput(),
        t.cacheWrite(),
        t.output(),
        t.reasoning(),
        !t.isKnown(),
        row.costNanos(),
        row.durationNs(),
        row.durationBucket());
  }

  /** Adds one event given by its stored values. */
  void add(
      boolean error,
      long input,
      long cachedInput,
      long cacheWrite,
      long output,
      long reasoning,
      boolean missing,
      @Nullable Long costNanos,
      long durationNs,
      int durationBucket) {
    requests++;
    if (error) {
      errors++;
    }
    this.input += input;
    this.cachedInput += cachedInput;
    this.cacheWrite += cacheWrite;
    this.output += output;
    this.reasoning += reasoning;
    if (missing) {
      tokensMissing++;
    }
    if (costNanos == null) {
      unpriced++;
    } else {
      this.costNanos += costNanos;
    }
    durationSumUs += durationNs / 1000;
    durationMaxNs = Math.max(durationMaxNs, durationNs);
    histogram[durationBucket]++;
  }

  /** Adds another sum (cost by currency excepted). */
  void add(Measures m) {
    requests += m.requests;
    errors += m.errors;
    input += m.input;
    cachedInput += m.cachedInput;
    cacheWrite += m.cacheWrite;
    output += m.output;
    reasoning += m.reasoning;
    tokensMissing += m.tokensMissing;
    costNanos += m.costNanos;
    unpriced += m.unpriced;
    durationSumUs += m.durationSumUs;
    durationMaxNs = Math.max(durationMaxNs, m.durationMaxNs);
    for (int b = 0; b < histogram.length; b++) {
      histogram[b] += m.histogram[b];
    }
  }

  Measures copy() {
    Measures m = new Measures();
    m.add(this);
    return m;
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
