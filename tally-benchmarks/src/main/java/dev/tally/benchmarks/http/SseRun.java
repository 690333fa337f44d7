package dev.tally.benchmarks.http;

import java.util.Arrays;
import java.util.List;

/**
 * One measured run of {@link SseLoad}: streams, tokens, errors, time to first token of every stream
 * (sorted), the app's CPU ticks; and the statistics over a run's pairs.
 */
record SseRun(
    long streams, long tokens, long errors, double seconds, long[] ttftNanos, long cpuTicks) {
  double tokensPerSecond() {
    return tokens / seconds;
  }

  double ttftMs(double quantile) {
    if (ttftNanos.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(ttftNanos.length - 1, Math.ceil(quantile * ttftNanos.length) - 1);
    return ttftNanos[Math.max(0, i)] / 1e6;
  }

  double cpuUsPerStream(long hz) {
    return streams == 0 ? Double.NaN : cpuTicks * 1e6 / hz / streams;
  }

  /** Every run of one twin ({@code side} 0 tracked, 1 plain) as one run. */
  static SseRun pool(List<SseRun[]> rows, int side) {
    long streams = 0;
    long tokens = 0;
    long errors = 0;
    double seconds = 0;
    long cpu = 0;
    int n = 0;
    for (SseRun[] r : rows) {
      SseRun run = r[side];
      streams += run.streams();
      tokens += run.tokens();
      errors += run.errors();
      seconds += run.seconds();
      cpu += run.cpuTicks();
      n += run.ttftNanos().length;
    }
    long[] ttft = new long[n];
    int k = 0;
    for (SseRun[] r : rows) {
      long[] part = r[side].ttftNanos();
      System.arraycopy(part, 0, ttft, k, part.length);
      k += part.length;
    }
    Arrays.sort(ttft);
    return new SseRun(streams, tokens, errors, seconds, ttft, cpu);
  }

  /** Half the width of the 95 % confidence interval of the mean (Student's t). */
  static double halfWidth95(double[] v) {
    int n = v.length;
    if (n < 2) {
      return Double.NaN;
    }
    double m = mean(v);
    double ss = 0;
    for (double x : v) {
      ss += (x - m) * (x - m);
    }
    double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};
    double quantile = n - 1 <= t.length ? t[n - 2] : n - 1 < 30 ? 2.1 : 1.96;
    return quantile * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
  }

  static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }

  static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] sorted = v.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }
}
