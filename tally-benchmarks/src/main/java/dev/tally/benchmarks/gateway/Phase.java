package dev.tally.benchmarks.gateway;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One measured phase of {@link GatewayLoad}: latency percentiles (ms, from the intended send time),
 * the gateway's {@code x-tally-overhead-ms} percentiles, and the server's CPU per request.
 */
record Phase(
    String name,
    int count,
    int errors,
    double rate,
    double p50,
    double p90,
    double p99,
    double p999,
    double max,
    double overheadP50,
    double overheadP99,
    double cpuMicrosPerRequest) {

  /**
   * The phase's figures; {@code overhead} holds the header's value per request (0 or below: none).
   * The server's CPU is counted only for the gateway's phases (the direct ones do not call it).
   */
  static Phase of(
      String name, long[] latency, double[] overhead, int errors, double rate, double cpuMicros) {
    long[] sorted = latency.clone();
    Arrays.sort(sorted);
    double[] heads = Arrays.stream(overhead).filter(x -> x > 0).sorted().toArray();
    return new Phase(
        name,
        latency.length,
        errors,
        rate,
        pct(sorted, 0.50),
        pct(sorted, 0.90),
        pct(sorted, 0.99),
        pct(sorted, 0.999),
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
        heads.length == 0 ? 0 : heads[(int) (heads.length * 0.50)],
        heads.length == 0 ? 0 : heads[Math.min(heads.length - 1, (int) (heads.length * 0.99))],
        name.startsWith("direct") ? 0 : cpuMicros);
  }

  /** One line: the figures, the server's and the load generator's CPU, the load average. */
  void print(double serverCpuMicros, double ownCpuMicros, String loadAverage) {
    System.out.printf(
        Locale.ROOT,
        "%-28s n=%d err=%d rate=%.0f/s p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f ms"
            + " overhead p50=%.3f p99=%.3f ms serverCPU=%.1f us/req loadgenCPU=%.1f us/req"
            + " load=%s%n",
        name,
        count,
        errors,
        rate,
        p50,
        p90,
        p99,
        p999,
        max,
        overheadP50,
        overheadP99,
        serverCpuMicros,
        ownCpuMicros,
        loadAverage);
  }

  static double median(List<Phase> phases, ToDoubleFunction<Phase> figure) {
    double[] v = phases.stream().mapToDouble(figure).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The gateway's p99 minus the direct path's, round by round. */
  static String p99AddedPerRound(List<Phase> direct, List<Phase> gateway) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < direct.size(); i++) {
      s.append(
          String.format(
              Locale.ROOT, "%s%.3f", i == 0 ? "" : ", ", gateway.get(i).p99 - direct.get(i).p99));
    }
    return s.toString();
  }

  /** The {@code q} quantile of sorted nanoseconds, in ms (nearest rank). */
  static double percentile(long[] sorted, double q) {
    return pct(sorted, q);
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
