package dev.tally.benchmarks.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * SSE load generator for {@code sse-paired.sh}: {@code concurrency} clients (JDK {@code
 * HttpClient}, HTTP/1.1, one platform thread each) open streams back to back and read them to the
 * end; alternating a tracked and an untracked URL in pairs (order flipping every pair) against one
 * running application. Per run: streams and tokens (SSE data events, one per echoed word) per
 * second, time to first token (request sent to first data line) p50/p99, and the application's CPU
 * per stream read from {@code /proc/<pid>/stat}.
 *
 * <p>Usage: {@code SseLoad <trackedUrl> <plainUrl> <appPid> [concurrency=64] [seconds=15] [pairs=6]
 * [warmupSeconds=20] [paceMs=0]}. With {@code -Dsse.messages=<text file>} the streams' messages
 * vary: {@value #MESSAGE_COUNT} messages of {@value #MESSAGE_WORDS} words cut from the file replace
 * the URLs' {@code message} parameter, each client going through them from its own offset (both
 * twins alike), so a tokenizer sees varied text instead of one message again and again.
 */
public final class SseLoad {
  static final int MESSAGE_COUNT = 256;
  static final int MESSAGE_WORDS = 70;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final int concurrency;
  private final long appPid;
  private final long paceMs;
  private final List<String> messages;

  private SseLoad(int concurrency, long appPid, long paceMs, List<String> messages) {
    this.concurrency = concurrency;
    this.appPid = appPid;
    this.paceMs = paceMs;
    this.messages = messages;
  }

  /** Messages cut from a text file's words; empty without {@code -Dsse.messages}. */
  private static List<String> messages() throws IOException {
    String file = System.getProperty("sse.messages");
    if (file == null || file.isBlank()) {
      return List.of();
    }
    String[] words =
        Files.readString(Path.of(file))
            .replaceAll("[^\\p{L}\\p{N}.,;:'()?!-]+", " ")
            .trim()
            .split(" ");
    List<String> out = new ArrayList<>();
    for (int i = 0;
        out.size() < MESSAGE_COUNT && i + MESSAGE_WORDS <= words.length;
        i += MESSAGE_WORDS) {
      out.add(String.join(" ", Arrays.asList(words).subList(i, i + MESSAGE_WORDS)));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " has fewer than " + MESSAGE_WORDS + " words");
    }
    return out;
  }

  /** {@code uri} with its {@code message} parameter replaced by {@code message}. */
  private static URI withMessage(URI uri, String message) {
    String query = uri.getRawQuery();
    String encoded = URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20");
    String replaced = query.replaceAll("(^|&)message=[^&]*", "$1message=" + encoded);
    String s = uri.toString();
    return URI.create(s.substring(0, s.indexOf('?') + 1) + replaced);
  }

  public static void main(String[] args) throws Exception {
    URI tracked = URI.create(args[0]);
    URI plain = URI.create(args[1]);
    long pid = Long.parseLong(args[2]);
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    double seconds = args.length > 4 ? Double.parseDouble(args[4]) : 15;
    int pairs = args.length > 5 ? Integer.parseInt(args[5]) : 6;
    double warmup = args.length > 6 ? Double.parseDouble(args[6]) : 20;
    long pace = args.length > 7 ? Long.parseLong(args[7]) : 0;
    long hz = Long.parseLong(System.getProperty("clk.tck", "100"));
    List<String> messages = messages();
    SseLoad load = new SseLoad(concurrency, pid, pace, messages);
    if (!messages.isEmpty()) {
      System.out.printf(
          Locale.ROOT, "varied messages: %d of %d words%n", messages.size(), MESSAGE_WORDS);
    }

    for (int i = 0; i < 3; i++) {
      load.run(tracked, warmup);
      load.run(plain, warmup);
    }
    System.out.printf(
        Locale.ROOT,
        "%d concurrent clients, %.0f s per run, %d pairs, %s%n",
        concurrency,
        seconds,
        pairs,
        pace > 0 ? "paced: " + pace + " ms between a client's streams" : "saturated (no pause)");
    System.out.println(
        "pair  tracked tok/s  TTFT p50  p99 ms  CPU us/stream |  plain tok/s  TTFT p50  p99 ms"
            + "  CPU us/stream | ratio  p99 added ms");
    List<SseRun[]> rows = new ArrayList<>();
    for (int p = 1; p <= pairs; p++) {
      SseRun t;
      SseRun u;
      if (p % 2 == 1) {
        t = load.run(tracked, seconds);
        u = load.run(plain, seconds);
      } else {
        u = load.run(plain, seconds);
        t = load.run(tracked, seconds);
      }
      rows.add(new SseRun[] {t, u});
      System.out.printf(
          Locale.ROOT,
          "%4d  %13.0f  %8.3f  %6.3f  %13.1f | %12.0f  %8.3f  %6.3f  %13.1f | %5.3f  %+.3f"
              + "   (streams %d/%d, errors %d/%d)%n",
          p,
          t.tokensPerSecond(),
          t.ttftMs(0.5),
          t.ttftMs(0.99),
          t.cpuUsPerStream(hz),
          u.tokensPerSecond(),
          u.ttftMs(0.5),
          u.ttftMs(0.99),
          u.cpuUsPerStream(hz),
          t.tokensPerSecond() / u.tokensPerSecond(),
          t.ttftMs(0.99) - u.ttftMs(0.99),
          t.streams(),
          u.streams(),
          t.errors(),
          u.errors());
    }
    double[] ratio =
        rows.stream().mapToDouble(r -> r[0].tokensPerSecond() / r[1].tokensPerSecond()).toArray();
    double[] added =
        rows.stream().mapToDouble(r -> r[0].ttftMs(0.99) - r[1].ttftMs(0.99)).toArray();
    double[] cpu =
        rows.stream().mapToDouble(r -> r[0].cpuUsPerStream(hz) - r[1].cpuUsPerStream(hz)).toArray();
    double[] tCpu = rows.stream().mapToDouble(r -> r[0].cpuUsPerStream(hz)).toArray();
    double[] uCpu = rows.stream().mapToDouble(r -> r[1].cpuUsPerStream(hz)).toArray();
    System.out.printf(
        Locale.ROOT,
        "throughput ratio tracked/plain: %.3f (pairs %.3f..%.3f)%n",
        SseRun.mean(ratio),
        SseRun.min(ratio),
        SseRun.max(ratio));
    System.out.printf(
        Locale.ROOT,
        "TTFT p99 added: %+.3f ms (pairs %+.3f..%+.3f)%n",
        SseRun.mean(added),
        SseRun.min(added),
        SseRun.max(added));
    System.out.printf(
        Locale.ROOT,
        "app CPU per stream: tracked %.1f us, plain %.1f us, added %+.1f us (pairs %+.1f..%+.1f)%n",
        SseRun.mean(tCpu),
        SseRun.mean(uCpu),
        SseRun.mean(cpu),
        SseRun.min(cpu),
        SseRun.max(cpu));
    // Pooled over every run of each twin: a p99 over ~10^5 streams, steadier than the mean of the
    // pairs' p99 differences; and the 95 % confidence interval of the pairs' means.
    SseRun t = SseRun.pool(rows, 0);
    SseRun u = SseRun.pool(rows, 1);
    System.out.printf(
        Locale.ROOT,
        "pooled: tokens/s tracked %.0f, plain %.0f, ratio %.3f; TTFT p50 %.3f / %.3f ms,"
            + " p99 %.3f / %.3f ms, p99 added %+.3f ms (streams %d / %d)%n",
        t.tokensPerSecond(),
        u.tokensPerSecond(),
        t.tokensPerSecond() / u.tokensPerSecond(),
        t.ttftMs(0.5),
        u.ttftMs(0.5),
        t.ttftMs(0.99),
        u.ttftMs(0.99),
        t.ttftMs(0.99) - u.ttftMs(0.99),
        t.streams(),
        u.streams());
    double[] logRatio = Arrays.stream(ratio).map(Math::log).toArray();
    double geo = SseRun.mean(logRatio);
    double geoHalf = SseRun.halfWidth95(logRatio);
    System.out.printf(
        Locale.ROOT,
        "ratio, geometric mean of the pairs: %.3f (95%% %.3f..%.3f), median %.3f%n",
        Math.exp(geo),
        Math.exp(geo - geoHalf),
        Math.exp(geo + geoHalf),
        SseRun.median(ratio));
    System.out.printf(
        Locale.ROOT,
        "95%% confidence of the pair means: ratio %.3f +- %.3f, TTFT p99 added %+.3f +- %.3f ms,"
            + " CPU added %+.1f +- %.1f us%n",
        SseRun.mean(ratio),
        SseRun.halfWidth95(ratio),
        SseRun.mean(added),
        SseRun.halfWidth95(added),
        SseRun.mean(cpu),
        SseRun.halfWidth95(cpu));
    System.exit(0);
  }

  private SseRun run(URI uri, double seconds) throws Exception {
    long before = cpuTicks();
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    Client[] clients = new Client[concurrency];
    CountDownLatch done = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      Client c = new Client(uri, i, deadline, done);
      clients[i] = c;
      Thread t = new Thread(c, "sse-client-" + i);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = cpuTicks() - before;
    long streams = 0;
    long tokens = 0;
    long errors = 0;
    int n = 0;
    for (Client c : clients) {
      streams += c.streams;
      tokens += c.tokens;
      errors += c.errors;
      n += c.ttftCount;
    }
    long[] ttft = new long[n];
    int k = 0;
    for (Client c : clients) {
      System.arraycopy(c.ttft, 0, ttft, k, c.ttftCount);
      k += c.ttftCount;
    }
    Arrays.sort(ttft);
    return new SseRun(streams, tokens, errors, elapsed, ttft, cpu);
  }

  private long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + appPid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command.
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** One client: streams back to back until the deadline; each stream read to its end. */
  private final class Client implements Runnable {
    private final HttpRequest[] requests;
    private int next;
    private final long deadline;
    private final CountDownLatch done;
    long streams;
    long tokens;
    long errors;
    long[] ttft = new long[1024];
    int ttftCount;

    Client(URI uri, int index, long deadline, CountDownLatch done) {
      List<URI> uris =
          messages.isEmpty()
              ? List.of(uri)
              : messages.stream().map(m -> withMessage(uri, m)).toList();
      this.requests =
          uris.stream()
              .map(
                  u ->
                      HttpRequest.newBuilder(u)
                          .timeout(Duration.ofSeconds(30))
                          .header("Accept", "text/event-stream")
                          .GET()
                          .build())
              .toArray(HttpRequest[]::new);
      this.next = (int) ((index * 37L) % requests.length);
      this.deadline = deadline;
      this.done = done;
    }

    @Override
    public void run() {
      try {
        if (paceMs > 0) {
          // Spread the clients over one pause: started together they would stay in step, and
          // every stream of a round would arrive at once.
          Thread.sleep(ThreadLocalRandom.current().nextLong(paceMs));
        }
        while (System.nanoTime() < deadline) {
          try {
            stream();
          } catch (IOException e) {
            errors++;
          }
          if (paceMs > 0) {
            Thread.sleep(paceMs);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        done.countDown();
      }
    }

    private void stream() throws IOException, InterruptedException {
      long sent = System.nanoTime();
      HttpRequest request = requests[next];
      next = (next + 1) % requests.length;
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        response.body().close();
        errors++;
        return;
      }
      long first = 0;
      long words = 0;
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.startsWith("data:")) {
            if (first == 0) {
              first = System.nanoTime();
            }
            words++;
          }
        }
      }
      streams++;
      tokens += words;
      if (first != 0) {
        if (ttftCount == ttft.length) {
          ttft = Arrays.copyOf(ttft, ttftCount * 2);
        }
        ttft[ttftCount++] = first - sent;
      }
    }
  }
}
