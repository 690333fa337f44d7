package dev.tally.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DurationHistogramTest {
  private static final double STATED_ERROR = Math.pow(2, 1.0 / 8) - 1;

  @Test
  void bucketEdgesFollowTheQuarterOctaveScale() {
    assertThat(DurationHistogram.bucketOf(0)).isZero();
    assertThat(DurationHistogram.bucketOf(999_999)).isZero();
    assertThat(DurationHistogram.bucketOf(1_000_000)).isEqualTo(1);
    assertThat(DurationHistogram.bucketOf(2_000_000)).isEqualTo(5);
    assertThat(DurationHistogram.bucketOf(1_999_999)).isEqualTo(4);
    assertThat(DurationHistogram.bucketOf((1L << 20) * 1_000_000)).isEqualTo(81);
    assertThat(DurationHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(81);
  }

  @Test
  void everyEstimateIsWithinTheStatedErrorOfEveryValueInItsBucket() {
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      long nanos = (long) Math.exp(Math.log(1_000_000) + r.nextDouble() * Math.log(1L << 20));
      int bucket = DurationHistogram.bucketOf(nanos);
      long estimate = DurationHistogram.estimateNanos(bucket, Long.MAX_VALUE);
      assertThat(Math.abs(estimate - nanos) / (double) nanos)
          .as("%d ns in bucket %d, estimate %d", nanos, bucket, estimate)
          .isLessThanOrEqualTo(STATED_ERROR + 1e-6);
    }
  }

  @Test
  void percentileUsesNearestRankAndNeverExceedsTheMaximum() {
    long[] counts = new long[DurationHistogram.BUCKETS];
    counts[0] = 98;
    counts[40] = 2;
    // p50 and p95 fall in bucket 0; p99 in bucket 40, [2^9.75, 2^10) ms, estimated at 2^9.875 ms
    // (about 939 ms) unless the maximum is lower.
    assertThat(DurationHistogram.percentileNanos(counts, 50, 990_000_000)).isEqualTo(500_000);
    assertThat(DurationHistogram.percentileNanos(counts, 95, 990_000_000)).isEqualTo(500_000);
    assertThat(DurationHistogram.percentileNanos(counts, 99, 990_000_000))
        .isEqualTo(Math.round(Math.pow(2, 39.5 / 4) * 1e6));
    assertThat(DurationHistogram.percentileNanos(counts, 99, 900_000_000)).isEqualTo(900_000_000);
  }
}
