package dev.tally.benchmarks.jdbc;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.ReservationStore;
import dev.tally.jdbc.JdbcReservationStore;
import dev.tally.jdbc.JdbcUsageStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reservation throughput and latency on PostgreSQL (embedded, durable defaults): each operation is
 * one call's reserve (the conditional update) followed by its settle, from {@code threads} threads
 * through two store instances. Scenario {@code hot}: every call hits one budget account (one row);
 * {@code spread}: calls spread over 5 000 subjects, each with its own budget.
 *
 * <p>Arguments: seconds per scenario (default 15), threads (default 8). Prints calls/s and the
 * reserve and settle latencies (p50, p99).
 */
public final class ReservationBenchmark {
  private ReservationBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path dir = Files.createTempDirectory("tally-reservation-bench");
    EmbeddedPostgres pg = BenchmarkEvents.startPostgres(dir.resolve("pg"), true);
    try {
      BenchmarkEvents.createDatabase(pg, "reservations");
      String url = pg.getJdbcUrl("postgres", "reservations");
      try (JdbcUsageStore a = JdbcUsageStore.builder().url(url).build();
          JdbcUsageStore b = JdbcUsageStore.builder().url(url).migrate(false).build()) {
        List<ReservationStore> instances =
            List.of(JdbcReservationStore.on(a), JdbcReservationStore.on(b));
        for (String scenario : List.of("hot", "spread", "hot", "spread")) {
          run(instances, scenario, seconds, threads);
        }
      }
    } finally {
      pg.close();
    }
  }

  private static void run(
      List<ReservationStore> instances, String scenario, int seconds, int threads)
      throws InterruptedException {
    Instant window = Instant.parse("2026-12-03T00:00:00Z");
    long[][] reserveNanos = new long[threads][];
    long[][] settleNanos = new long[threads][];
    int[] counts = new int[threads];
    AtomicLong refused = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Thread[] workers = new Thread[threads];
    String run = scenario + "-" + System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int id = t;
      ReservationStore store = instances.get(t % instances.size());
      workers[t] =
          new Thread(
              () -> {
                SplittableRandom r = new SplittableRandom(id);
                long[] res = new long[1 << 20];
                long[] set = new long[1 << 20];
                int n = 0;
                while (System.nanoTime() < end && n < res.length) {
                  String budget = scenario.equals("hot") ? "hot" : "user-" + r.nextInt(5_000);
                  String request = run + "-" + id + "-" + n;
                  List<ReservationStore.Hold> holds =
                      List.of(
                          new ReservationStore.Hold(
                              budget,
                              window,
                              Budget.Measure.TOKENS,
                              Long.MAX_VALUE / 4,
                              1_000,
                              () -> 0));
                  long t0 = System.nanoTime();
                  boolean ok = store.reserve(request, holds, Instant.now()).admitted();
                  long t1 = System.nanoTime();
                  if (!ok) {
                    refused.incrementAndGet();
                  }
                  store.settle(request, 800 + r.nextInt(400), 0, Instant.now());
                  long t2 = System.nanoTime();
                  res[n] = t1 - t0;
                  set[n] = t2 - t1;
                  n++;
                }
                reserveNanos[id] = Arrays.copyOf(res, n);
                settleNanos[id] = Arrays.copyOf(set, n);
                counts[id] = n;
              },
              "bench-reserve-" + t);
    }
    long start = System.nanoTime();
    for (Thread w : workers) {
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long total = Arrays.stream(counts).sum();
    long[] reserve = Arrays.stream(reserveNanos).flatMapToLong(Arrays::stream).sorted().toArray();
    long[] settle = Arrays.stream(settleNanos).flatMapToLong(Arrays::stream).sorted().toArray();
    System.out.printf(
        "%-6s threads %d: %.0f calls/s (reserve+settle), reserve p50 %.2f ms p99 %.2f ms,"
            + " settle p50 %.2f ms p99 %.2f ms, refused %d%n",
        scenario,
        threads,
        total / elapsed,
        pct(reserve, 0.50),
        pct(reserve, 0.99),
        pct(settle, 0.50),
        pct(settle, 0.99),
        refused.get());
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }
}
