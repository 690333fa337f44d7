package dev.tally.benchmarks.gateway;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's added latency, in one run: starts {@link SlowUpstream} (answers after a fixed
 * delay), starts the tally-server jar as a child process with that upstream configured, creates a
 * user and a key, then alternates the same requests sent directly to the upstream and through the
 * gateway — open loop at a fixed rate (latency from the intended send time, so a stall is never
 * hidden), then closed loop at saturation — for plain and streamed chat completions. Prints per
 * phase: requests, errors, rate, latency percentiles, the gateway's own {@code
 * x-tally-overhead-ms}, the server's CPU per request and this process's (load generator and fake
 * upstream); then p50/p99 added and the throughput ratio.
 *
 * <p>The load goes over plain blocking keep-alive connections ({@link LoadConnection}), one per
 * sending thread, and the fake upstream serves each connection on its own thread: neither adds a
 * selector, a future or a thread hand-off to what is measured, so the direct path shows the
 * upstream's delay and little else.
 *
 * <p>{@code java -cp tally-benchmarks/target/classes dev.tally.benchmarks.gateway.GatewayLoad
 * <server jar> [key=value...]}: rate (500), seconds (15), rounds (3), warmup (20), concurrency
 * (64), saturation (15), delay (20 ms), port (18089), workers (64: open-loop senders), servercpus
 * (a {@code taskset} core list for the server; none by default), budget (false: with {@code true}
 * the bench user gets a blocking token budget too large to refuse, so every request passes the
 * budget check: the ledger's, or with {@code jvm=-Dtally.budgets.reservations.enabled=true} a
 * reservation and its settle in the ledger's database), samples (a file: every measured open-loop
 * request as one tab-separated line — phase, round, intended send time in epoch microseconds,
 * latency and {@code x-tally-overhead-ms} in ms — to line slow requests up with the server's GC
 * log, which {@code jvm=-Xlog:gc*:file=...:time} writes in wall-clock time). {@code saturation=0}
 * skips the closed-loop phases. {@code floors=bare,spring} adds baseline proxies ({@link Floors})
 * to the open-loop rounds, between the load and the same upstream, in the same alternation; {@code
 * floorjvm} gives them extra JVM flags.
 *
 * <p>Besides each round's figures, the summary pools every round's samples per path and mode: a p99
 * of 3 × 7,500 requests is steadier than the median of three per-round p99s.
 */
public final class GatewayLoad {
  private static final String BODY =
      "{\"model\":\"bench-1\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
          + "{\"role\":\"user\",\"content\":\"Please summarise the refund policy for annual plans"
          + " bought in another currency.\"}]%s}";

  private final Map<String, String> args;
  private final long pid;

  /** The measured open-loop latencies (ns) of every round, by phase name. */
  private final Map<String, List<long[]>> pooled = new LinkedHashMap<>();

  private @Nullable PrintWriter samples;

  private GatewayLoad(Map<String, String> args, long pid) {
    this.args = args;
    this.pid = pid;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new LinkedHashMap<>();
    for (int i = 1; i < argv.length; i++) {
      String[] kv = argv[i].split("=", 2);
      args.put(kv[0], kv[1]);
    }
    int delay = Integer.parseInt(args.getOrDefault("delay", "20"));
    int port = Integer.parseInt(args.getOrDefault("port", "18089"));
    Path work = Files.createTempDirectory("gateway-bench");
    try (SlowUpstream upstream = new SlowUpstream(delay);
        BenchServer server =
            BenchServer.start(
                argv[0],
                port,
                upstream.port(),
                work,
                args.getOrDefault("jvm", ""),
                args.getOrDefault("servercpus", ""))) {
      // also when this process is stopped: the server never outlives the benchmark
      Runtime.getRuntime().addShutdownHook(new Thread(server::destroy, "stop-server"));
      GatewayLoad load = new GatewayLoad(args, server.pid());
      String samplesFile = args.getOrDefault("samples", "");
      if (!samplesFile.isBlank()) {
        load.samples = new PrintWriter(Files.newBufferedWriter(Path.of(samplesFile)));
        load.samples.println("phase\tround\tsend_epoch_us\tlatency_ms\toverhead_ms");
      }
      try {
        load.run(server, upstream.port(), port, work);
      } finally {
        if (load.samples != null) {
          load.samples.close();
        }
      }
    }
  }

  private void run(BenchServer server, int upstreamPort, int port, Path work) throws Exception {
    server.awaitUp();
    String key = server.createKey();
    if (Boolean.parseBoolean(args.getOrDefault("budget", "false"))) {
      server.putBudget();
    }
    Target direct = new Target("direct", upstreamPort, key, -1);
    Target viaGateway = new Target("gateway", port, key, pid);
    try (Floors floors =
        new Floors(
            args.getOrDefault("floors", ""),
            port + 1,
            upstreamPort,
            key,
            args.getOrDefault("floorjvm", ""),
            args.getOrDefault("servercpus", ""),
            work,
            direct.request(BODY, false))) {
      List<Target> targets = new ArrayList<>(List.of(direct, viaGateway));
      targets.addAll(floors.targets());
      run(targets);
    }
  }

  /**
   * Warm-up, the measured rounds at the fixed rate (the targets' order reversed every other round),
   * saturation (direct and gateway only), the summary.
   */
  private void run(List<Target> targets) throws Exception {
    Target direct = targets.get(0);
    Target viaGateway = targets.get(1);
    int rate = Integer.parseInt(args.getOrDefault("rate", "500"));
    int seconds = Integer.parseInt(args.getOrDefault("seconds", "15"));
    int rounds = Integer.parseInt(args.getOrDefault("rounds", "3"));
    int warmup = Integer.parseInt(args.getOrDefault("warmup", "20"));
    int concurrency = Integer.parseInt(args.getOrDefault("concurrency", "64"));
    int saturation = Integer.parseInt(args.getOrDefault("saturation", "15"));
    System.out.printf(
        Locale.ROOT,
        "rate %d/s, %d s per phase, %d rounds, warm-up %d s, saturation %d clients for %d s%n",
        rate,
        seconds,
        rounds,
        warmup,
        concurrency,
        saturation);
    // the warm-up alternates plain and streamed in four turns: the JIT compiles the code of both
    // before the first round (one turn of each let C2 compile, and recompile, in the first rounds)
    int turn = Math.max(1, warmup / 4);
    for (int t = 0; t < 4; t++) {
      for (boolean stream : new boolean[] {false, true}) {
        for (Target target : targets) {
          openLoop(target, stream, rate, turn, "warmup", -1);
        }
      }
    }
    Map<String, List<Phase>> results = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (boolean stream : new boolean[] {false, true}) {
        String kind = stream ? "stream" : "plain";
        List<Target> order = new ArrayList<>(targets);
        if (round % 2 == 1) {
          Collections.reverse(order);
        }
        for (Target target : order) {
          Phase p =
              openLoop(target, stream, rate, seconds, target.phase(kind + " @" + rate), round);
          results.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
        }
      }
    }
    for (boolean stream : saturation > 0 ? new boolean[] {false, true} : new boolean[0]) {
      String kind = stream ? "stream" : "plain";
      for (Target target : List.of(direct, viaGateway)) {
        String name = target.phase(kind + " saturation");
        Phase p = closedLoop(target, stream, concurrency, saturation, name);
        results.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
      }
    }
    Summary.print(
        results,
        pooled,
        rate,
        saturation,
        targets.subList(2, targets.size()).stream().map(Target::label).toList());
  }

  private static final byte[] EXPECTED = "bench".getBytes(StandardCharsets.UTF_8);

  /**
   * Sends at a fixed rate whatever the answers do; latency counts from the intended send time.
   * {@code workers} threads share the schedule: each takes the next slot, parks until its time and
   * sends it on its own kept-alive connection, so a slot is only ever held by an idle worker and a
   * slow answer never delays the next send (while fewer than {@code workers} are in flight).
   */
  private Phase openLoop(
      Target target, boolean stream, int rate, int seconds, String name, int round)
      throws Exception {
    int total = rate * seconds;
    int workers = Integer.parseInt(args.getOrDefault("workers", "64"));
    long[] latency = new long[total];
    double[] overhead = new double[total];
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    byte[] request = target.request(BODY, stream);
    long interval = 1_000_000_000L / rate;
    long cpuBefore = cpuNanos(target.pid());
    long ownBefore = ownCpuNanos();
    long start = System.nanoTime() + 20_000_000L;
    long wallMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    long wallNanos = System.nanoTime();
    runThreads(
        workers,
        "open-loop-",
        TimeUnit.SECONDS.toMillis(seconds + 60L),
        w -> {
          Target.Client client = target.client();
          for (int i; (i = next.getAndIncrement()) < total; ) {
            long intended = start + i * interval;
            for (long wait; (wait = intended - System.nanoTime()) > 0; ) {
              LockSupport.parkNanos(wait);
            }
            LoadConnection.Answer a = client.call(request);
            latency[i] = System.nanoTime() - intended;
            if (a == null || a.status() != 200 || !a.bodyContains(EXPECTED)) {
              errors.incrementAndGet();
            } else {
              overhead[i] = a.overheadMillis();
            }
          }
          client.release();
        });
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (round >= 0) {
      pooled.computeIfAbsent(name, n -> new ArrayList<>()).add(latency.clone());
      if (samples != null) {
        for (int i = 0; i < total; i++) {
          long sendMicros = wallMicros + (start + i * interval - wallNanos) / 1000;
          samples.printf(
              Locale.ROOT,
              "%s\t%d\t%d\t%.3f\t%.3f%n",
              name.trim().replaceAll(" +", " "),
              round,
              sendMicros,
              latency[i] / 1e6,
              overhead[i]);
        }
        samples.flush();
      }
    }
    return report(
        name,
        latency,
        overhead,
        errors.get(),
        total / elapsed,
        target.pid(),
        cpuBefore,
        ownBefore,
        total);
  }

  /** {@code concurrency} clients, each sending its next request when the last one is answered. */
  private Phase closedLoop(Target target, boolean stream, int concurrency, int seconds, String name)
      throws Exception {
    byte[] request = target.request(BODY, stream);
    AtomicLong count = new AtomicLong();
    AtomicInteger errors = new AtomicInteger();
    long cpuBefore = cpuNanos(target.pid());
    long ownBefore = ownCpuNanos();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    long[][] samples = new long[concurrency][];
    runThreads(
        concurrency,
        "load-",
        0,
        c -> {
          long[] mine = samples[c] = new long[200_000];
          Target.Client client = target.client();
          int n = 0;
          while (System.nanoTime() < end && n < mine.length) {
            long t0 = System.nanoTime();
            LoadConnection.Answer a = client.call(request);
            if (a == null || a.status() != 200) {
              errors.incrementAndGet();
            }
            mine[n++] = System.nanoTime() - t0;
            count.incrementAndGet();
          }
          client.release();
        });
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] all =
        Arrays.stream(samples).flatMapToLong(a -> Arrays.stream(a).filter(x -> x > 0)).toArray();
    return report(
        name,
        all,
        new double[0],
        errors.get(),
        count.get() / elapsed,
        target.pid(),
        cpuBefore,
        ownBefore,
        all.length);
  }

  /** Runs {@code body(i)} on {@code n} daemon threads and waits for them (0: without a limit). */
  private static void runThreads(int n, String prefix, long joinMillis, IntConsumer body)
      throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      Thread t = new Thread(() -> body.accept(index), prefix + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(joinMillis);
    }
  }

  private Phase report(
      String name,
      long[] latency,
      double[] overhead,
      int errors,
      double rate,
      long cpuPid,
      long cpuBefore,
      long ownBefore,
      int requests) {
    double cpuMicros = (cpuNanos(cpuPid) - cpuBefore) / 1e3 / Math.max(1, requests);
    double ownMicros = (ownCpuNanos() - ownBefore) / 1e3 / Math.max(1, requests);
    Phase p = Phase.of(name, latency, overhead, errors, rate, cpuMicros);
    if (!name.equals("warmup")) {
      p.print(cpuMicros, ownMicros, loadAverage());
    }
    return p;
  }

  /** The CPU time of a target's process (the server, a floor proxy); 0 without one. */
  private static long cpuNanos(long pid) {
    if (pid < 0) {
      return 0;
    }
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .map(Duration::toNanos)
        .orElse(0L);
  }

  /** This process's CPU time: the load generator and the fake upstream. */
  private static long ownCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + "," + f[1] + "," + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
