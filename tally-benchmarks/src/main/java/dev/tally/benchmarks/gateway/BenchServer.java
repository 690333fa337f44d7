package dev.tally.benchmarks.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tally-server jar under test as a child process of {@link GatewayLoad}: started with the fake
 * upstream configured, waited for, and prepared through its admin API (a user and a key, a budget).
 * Closing it stops the process.
 */
final class BenchServer implements AutoCloseable {
  private static final String ADMIN_KEY =
      "5b0e6f1c9a2d47388e4b71c2d0a9f3e6b8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5";
  private static final String UPSTREAM_KEY = "sk-bench-upstream-1f2e3d4c5b6a";
  private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]+)\"");

  /** Tomcat's keep-alive timeout in the server and the Spring floor: longer than any run. */
  static final String KEEP_ALIVE = "1h";

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final Process process;
  private final String base;

  private BenchServer(Process process, int port) {
    this.process = process;
    this.base = "http://127.0.0.1:" + port;
  }

  /**
   * Starts the jar on {@code port} with the gateway's upstream {@code bench} at {@code
   * upstreamPort}, in {@code work} (its log: {@code work/server.log}); {@code jvmArgs} are extra
   * JVM flags, {@code cpus} a {@code taskset} core list (blank: every core).
   */
  static BenchServer start(
      String jar, int port, int upstreamPort, Path work, String jvmArgs, String cpus)
      throws IOException {
    String g = "--tally.server.gateway.upstreams.bench.";
    List<String> command = new ArrayList<>();
    if (!cpus.isBlank()) {
      command.addAll(List.of("taskset", "-c", cpus)); // the server on these cores only
    }
    // G1 as on any machine of 2+ cores, also when taskset leaves the server one core
    command.addAll(List.of("java", "-Xms512m", "-Xmx512m", "-XX:+UseG1GC"));
    for (String a : jvmArgs.split(" ")) {
      if (!a.isBlank()) {
        command.add(a);
      }
    }
    command.addAll(
        List.of(
            "-jar",
            Path.of(jar).toAbsolutePath().toString(),
            "--server.port=" + port,
            g + "base-url=http://127.0.0.1:" + upstreamPort + "/v1",
            g + "api-key-env=BENCH_UPSTREAM_KEY",
            g + "models=bench-*",
            "--logging.level.root=WARN",
            "--spring.main.banner-mode=off",
            // the load's connections stay open between phases, also when other targets' phases
            // keep one idle for over Tomcat's default 60 s (with floors: up to six phases)
            "--server.tomcat.keep-alive-timeout=" + KEEP_ALIVE));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("server.log").toFile());
    builder.environment().put("TALLY_ADMIN_KEY", ADMIN_KEY);
    builder.environment().put("BENCH_UPSTREAM_KEY", UPSTREAM_KEY);
    System.out.println("server log: " + work.resolve("server.log"));
    return new BenchServer(builder.start(), port);
  }

  long pid() {
    return process.pid();
  }

  /** Waits until the server answers its health check (up to two minutes). */
  void awaitUp() throws Exception {
    HttpRequest health = HttpRequest.newBuilder(URI.create(base + "/actuator/health")).build();
    for (int i = 0; i < 600; i++) {
      try {
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the server did not start");
  }

  /** Creates the user {@code bench} and returns a new Tally key of it. */
  String createKey() throws Exception {
    admin("POST", "/api/admin/users", "{\"id\":\"bench\"}");
    String created = admin("POST", "/api/admin/users/bench/keys", "{}");
    Matcher m = KEY.matcher(created);
    if (!m.find()) {
      throw new IllegalStateException("no key in " + created);
    }
    return m.group(1);
  }

  /** A blocking daily token budget on {@code bench}, too large to refuse anything. */
  void putBudget() throws Exception {
    admin(
        "PUT",
        "/api/budgets/bench-day",
        "{\"subject\":\"bench\",\"measure\":\"TOKENS\",\"limit\":1000000000000,"
            + "\"window\":\"DAY\",\"action\":\"BLOCK\"}");
  }

  private String admin(String method, String path, String body) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Stops the process (also used from a shutdown hook: the server never outlives the run). */
  void destroy() {
    process.destroy();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
