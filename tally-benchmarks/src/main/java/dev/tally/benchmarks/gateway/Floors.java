package dev.tally.benchmarks.gateway;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The baseline proxies {@link GatewayLoad} measures beside the gateway ({@code
 * floors=bare,spring}), each a child process with the server's heap and collector, between the load
 * and the same fake upstream: {@code bare} is {@link BareProxy} (the floor of one more hop on this
 * machine), {@code spring} is {@link SpringProxy} (Tomcat, Spring MVC and the gateway's upstream
 * client, without Tally's code). The load generator's class path must hold Spring and Apache
 * HttpClient for {@code spring} (the script adds {@code tally-benchmarks/target/cp.txt}).
 */
final class Floors implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();

  /**
   * Starts the named proxies on {@code port}, {@code port + 1}, ... and waits until each answers a
   * chat completion.
   *
   * @param names comma-separated: {@code bare}, {@code spring}; blank: none
   * @param jvmArgs extra JVM flags of the proxies (space-separated)
   * @param cpus a {@code taskset} core list for them; blank: every core
   */
  Floors(
      String names,
      int port,
      int upstreamPort,
      String key,
      String jvmArgs,
      String cpus,
      Path work,
      byte[] probe)
      throws IOException, InterruptedException {
    for (String name : names.split(",")) {
      if (name.isBlank()) {
        continue;
      }
      int at = port + targets.size();
      List<String> main =
          switch (name.trim()) {
            case "bare" -> List.of(BareProxy.class.getName(), "" + at, "" + upstreamPort);
            case "spring" ->
                List.of(
                    SpringProxy.class.getName(),
                    "--server.port=" + at,
                    "--server.tomcat.keep-alive-timeout=" + BenchServer.KEEP_ALIVE,
                    "--proxy.upstream=http://127.0.0.1:" + upstreamPort + "/v1");
            default ->
                throw new IllegalArgumentException(
                    "floors must name bare or spring, was '" + name + "'");
          };
      List<String> command = new ArrayList<>();
      if (!cpus.isBlank()) {
        command.addAll(List.of("taskset", "-c", cpus));
      }
      command.addAll(List.of("java", "-Xms512m", "-Xmx512m", "-XX:+UseG1GC"));
      for (String a : jvmArgs.split(" ")) {
        if (!a.isBlank()) {
          command.add(a);
        }
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path")));
      command.addAll(main);
      Path log = work.resolve(name.trim() + ".log");
      System.out.println(name.trim() + " proxy log: " + log);
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      processes.add(p);
      // also when the load generator is stopped: a proxy never outlives the benchmark
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "stop-" + name.trim()));
      Target target = new Target(name.trim(), at, key, p.pid());
      targets.add(target);
      awaitUp(target, p, probe);
    }
  }

  List<Target> targets() {
    return targets;
  }

  private static void awaitUp(Target target, Process p, byte[] probe) throws InterruptedException {
    Target.Client client = target.client();
    for (int i = 0; i < 600; i++) {
      if (!p.isAlive()) {
        throw new IllegalStateException(target.label() + " proxy exited: " + p.exitValue());
      }
      LoadConnection.Answer a = client.call(probe);
      if (a != null && a.status() == 200) {
        client.release();
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the " + target.label() + " proxy did not start");
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
