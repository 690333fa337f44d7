package dev.tally.jdbc.internal;

/**
 * The fixed log-scale duration histogram of the rollups. Bucket 0 holds durations under 1 ms;
 * bucket {@code i} in {@code 1..80} holds {@code [2^((i-1)/4), 2^(i/4))} milliseconds; bucket 81
 * holds everything from {@code 2^20} ms (about 17.5 minutes) up. A percentile is reported as the
 * geometric middle of its bucket, which is within {@code 2^(1/8) - 1}, about 9.05%, of every value
 * in the bucket; bucket 0 reports 0.5 ms and bucket 81 the maximum. Estimates never exceed the
 * observed maximum.
 */
public final class DurationHistogram {
  /** Number of buckets, and of {@code hNN} columns in the rollup table. */
  public static final int BUCKETS = 82;

  /** Buckets per doubling. */
  static final int PER_OCTAVE = 4;

  private static final long NANOS_PER_MS = 1_000_000L;
  private static final long[] LOWER_NANOS = new long[BUCKETS];

  static {
    LOWER_NANOS[0] = 0;
    for (int i = 1; i < BUCKETS; i++) {
      LOWER_NANOS[i] = (long) Math.ceil(Math.pow(2.0, (i - 1) / (double) PER_OCTAVE) * 1e6);
    }
  }

  private DurationHistogram() {}

  /** The bucket of a duration in nanoseconds. */
  public static int bucketOf(long nanos) {
    if (nanos < NANOS_PER_MS) {
      return 0;
    }
    // Integer lower bounds avoid floating-point disagreement at bucket edges.
    int lo = 1;
    int hi = BUCKETS - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (LOWER_NANOS[mid] <= nanos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Inclusive lower edge of a bucket in nanoseconds. */
  public static long lowerNanos(int bucket) {
    return LOWER_NANOS[bucket];
  }

  /**
   * The estimate for a value in {@code bucket}: the geometric middle of the bucket, clamped to the
   * observed maximum.
   */
  public static long estimateNanos(int bucket, long maxNanos) {
    long estimate;
    if (bucket == 0) {
      estimate = NANOS_PER_MS / 2;
    } else if (bucket == BUCKETS - 1) {
      estimate = maxNanos;
    } else {
      estimate = Math.round(Math.pow(2.0, (bucket - 0.5) / PER_OCTAVE) * 1e6);
    }
    return Math.min(estimate, maxNanos);
  }

  /**
   * The nearest-rank percentile: the estimate for the bucket holding the {@code ceil(n * percent /
   * 100)}-th smallest value.
   */
  public static long percentileNanos(long[] counts, int percent, long maxNanos) {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    if (n == 0) {
      return 0;
    }
    long rank = Math.max(1, (n * percent + 99) / 100);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return estimateNanos(i, maxNanos);
      }
    }
    return maxNanos;
  }
}
