package dev.tally.benchmarks.gateway;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end of a gateway run: per path and mode, the medians over rounds (SUMMARY), the saturation
 * ratio, and the p50/p99/p99.9 of all rounds' latencies pooled (POOLED); with floors, the same
 * added latency of each baseline proxy and the gateway's distance to it (FLOORS).
 */
final class Summary {
  private Summary() {}

  /**
   * @param results the phases by name, one per round
   * @param pooled every round's latencies (ns) by phase name
   * @param floors the labels of the baseline proxies measured beside the gateway
   */
  static void print(
      Map<String, List<Phase>> results,
      Map<String, List<long[]>> pooled,
      int rate,
      int saturation,
      List<String> floors) {
    System.out.println();
    System.out.println("SUMMARY (median over rounds of each figure)");
    for (String kind : new String[] {"plain", "stream"}) {
      List<Phase> d = results.get(Target.phase("direct", kind + " @" + rate));
      List<Phase> gw = results.get(Target.phase("gateway", kind + " @" + rate));
      System.out.printf(
          Locale.ROOT,
          "%s @%d/s: p50 added %.3f ms, p99 added %.3f ms (per round: %s), gateway overhead header p50 %.3f / p99 %.3f ms, server CPU %.1f us/request%n",
          kind,
          rate,
          Phase.median(gw, Phase::p50) - Phase.median(d, Phase::p50),
          Phase.median(gw, Phase::p99) - Phase.median(d, Phase::p99),
          Phase.p99AddedPerRound(d, gw),
          Phase.median(gw, Phase::overheadP50),
          Phase.median(gw, Phase::overheadP99),
          Phase.median(gw, Phase::cpuMicrosPerRequest));
      if (saturation <= 0) {
        continue;
      }
      Phase ds = results.get(Target.phase("direct", kind + " saturation")).get(0);
      Phase gs = results.get(Target.phase("gateway", kind + " saturation")).get(0);
      System.out.printf(
          Locale.ROOT,
          "%s saturation: direct %.0f/s, gateway %.0f/s, ratio %.3f; p99 direct %.2f ms, gateway %.2f ms, server CPU %.1f us/request%n",
          kind,
          ds.rate(),
          gs.rate(),
          gs.rate() / ds.rate(),
          ds.p99(),
          gs.p99(),
          gs.cpuMicrosPerRequest());
    }
    System.out.println();
    System.out.println("POOLED (every round's samples of a path and mode together)");
    for (String kind : new String[] {"plain", "stream"}) {
      String what = kind + " @" + rate;
      long[] d = pool(pooled, Target.phase("direct", what));
      long[] gw = pool(pooled, Target.phase("gateway", what));
      System.out.printf(
          Locale.ROOT,
          "%s @%d/s pooled: direct %s; gateway %s; added %s%n",
          kind,
          rate,
          spread(d),
          spread(gw),
          added(gw, d));
    }
    if (!floors.isEmpty()) {
      printFloors(results, pooled, rate, floors);
    }
  }

  /**
   * Per floor and mode: its pooled percentiles, what it adds to the direct path (pooled, and p99
   * per round), its process's CPU per request, and the gateway's pooled p50/p99 minus the floor's.
   */
  private static void printFloors(
      Map<String, List<Phase>> results,
      Map<String, List<long[]>> pooled,
      int rate,
      List<String> floors) {
    System.out.println();
    System.out.println("FLOORS (pooled; added = this path minus direct; gateway - floor)");
    for (String kind : new String[] {"plain", "stream"}) {
      String what = kind + " @" + rate;
      long[] d = pool(pooled, Target.phase("direct", what));
      long[] gw = pool(pooled, Target.phase("gateway", what));
      List<Phase> dr = results.get(Target.phase("direct", what));
      for (String floor : floors) {
        String name = Target.phase(floor, what);
        long[] f = pool(pooled, name);
        System.out.printf(
            Locale.ROOT,
            "%-7s %s pooled: %s; added %s (p99 added per round: %s); CPU %.1f us/request;"
                + " gateway - %s: %s%n",
            floor,
            what,
            spread(f),
            added(f, d),
            Phase.p99AddedPerRound(dr, results.get(name)),
            Phase.median(results.get(name), Phase::cpuMicrosPerRequest),
            floor,
            added(gw, f));
      }
    }
  }

  /** Sample count and pooled p50, p99 and p99.9 of sorted latencies. */
  private static String spread(long[] sorted) {
    return String.format(
        Locale.ROOT,
        "n=%d p50=%.3f p99=%.3f p99.9=%.3f ms",
        sorted.length,
        Phase.percentile(sorted, 0.50),
        Phase.percentile(sorted, 0.99),
        Phase.percentile(sorted, 0.999));
  }

  /** What {@code path}'s pooled p50, p99 and p99.9 add to {@code base}'s (both sorted). */
  private static String added(long[] path, long[] base) {
    return String.format(
        Locale.ROOT,
        "p50 %.3f, p99 %.3f, p99.9 %.3f ms",
        Phase.percentile(path, 0.50) - Phase.percentile(base, 0.50),
        Phase.percentile(path, 0.99) - Phase.percentile(base, 0.99),
        Phase.percentile(path, 0.999) - Phase.percentile(base, 0.999));
  }

  /** Every round's latencies of one phase name, sorted. */
  private static long[] pool(Map<String, List<long[]>> pooled, String name) {
    long[] all =
        pooled.getOrDefault(name, List.of()).stream().flatMapToLong(Arrays::stream).toArray();
    Arrays.sort(all);
    return all;
  }
}
