package dev.tally.benchmarks.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.JdbcUsageStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Wall time and the writing thread's CPU time per event, for the store and for three shapes of
 * {@link StoreFloorBenchmark} on SQLite ({@code APPEND_PACKED}, {@code APPEND_PACKED_UNIQUE_ID} and
 * the old floor {@code INDEXED_ROLLUP}, V2's shape without any Tally code), in rotating rounds
 * within one JVM. On a machine shared with other builds, throughput swings with their load, while
 * CPU per event (SQLite works on the calling thread) stays comparable; both are printed, with the
 * load average. Usage: {@code java -cp benchmarks.jar dev.tally.benchmarks.jdbc.StoreCpuProbe
 * [batch] [batchesPerRound] [rounds]}.
 */
public final class StoreCpuProbe {
  private StoreCpuProbe() {}

  public static void main(String[] args) throws Exception {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int batches = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Path dir = Files.createTempDirectory("tally-cpu-probe");
    JdbcUsageStore store =
        JdbcUsageStore.builder().url("jdbc:sqlite:" + dir.resolve("store.db")).build();
    List<StoreFloorBenchmark> floors = new ArrayList<>();
    for (String shape :
        new String[] {"APPEND_PACKED", "APPEND_PACKED_UNIQUE_ID", "INDEXED_ROLLUP"}) {
      StoreFloorBenchmark f = new StoreFloorBenchmark();
      f.target = "SQLITE";
      f.shape = shape;
      f.batch = batch;
      f.open();
      floors.add(f);
    }
    SplittableRandom random = new SplittableRandom(42);
    Clock clock = Clock.systemUTC();
    System.out.printf("batch %d, %d batches per round, %d rounds%n", batch, batches, rounds);
    for (int round = 0; round <= rounds; round++) {
      String label = round == 0 ? "warm-up" : "round " + round;
      // the store
      long wall = 0;
      long cpu = 0;
      for (int b = 0; b < batches; b++) {
        List<UsageEvent> events = BenchmarkEvents.batch(random, batch, 5000, Instant.now(), clock);
        long w0 = System.nanoTime();
        long c0 = threads.getCurrentThreadCpuTime();
        store.export(events).get(120, TimeUnit.SECONDS);
        cpu += threads.getCurrentThreadCpuTime() - c0;
        wall += System.nanoTime() - w0;
      }
      print(label, "store", batches * (long) batch, wall, cpu);
      for (StoreFloorBenchmark f : floors) {
        wall = 0;
        cpu = 0;
        // the floor writes ROWS_PER_INVOCATION rows per call
        int calls = Math.max(1, batches * batch / StoreFloorBenchmark.ROWS_PER_INVOCATION);
        for (int b = 0; b < calls; b++) {
          f.nextBatch();
          long w0 = System.nanoTime();
          long c0 = threads.getCurrentThreadCpuTime();
          f.write();
          cpu += threads.getCurrentThreadCpuTime() - c0;
          wall += System.nanoTime() - w0;
        }
        print(label, f.shape, calls * (long) StoreFloorBenchmark.ROWS_PER_INVOCATION, wall, cpu);
      }
    }
    store.close();
    for (StoreFloorBenchmark f : floors) {
      f.close();
    }
  }

  private static void print(String round, String what, long events, long wallNs, long cpuNs) {
    System.out.printf(
        "%-8s %-24s %9d events %8.0f events/s  CPU %6.2f us/event  load %s%n",
        round, what, events, events / (wallNs / 1e9), cpuNs / 1e3 / events, loadAverage());
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "?";
    }
  }
}
