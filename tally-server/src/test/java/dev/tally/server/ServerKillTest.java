package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.jdbc.JdbcUsageStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the reference server (a real process, with its shipped configuration: the
 * journal on) under HTTP load from 4 clients, at a random moment, a few rounds; then one more start
 * on the same data. Every chat the server answered with 200 before the kill is in the ledger,
 * exactly once: its {@code chat} event was tracked before the answer was written.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ServerKillTest {
  private static final int ROUNDS = Integer.getInteger("tally.server.killRounds", 2);
  private static final int CLIENTS = 4;
  private static final Pattern SESSION = Pattern.compile("\"sessionId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern BACKLOG = Pattern.compile("\"backlog\"\\s*:\\s*(\\d+)");

  @TempDir Path data;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyChatAnsweredBeforeAKillIsInTheLedgerOnceAfterTheRestart() throws Exception {
    Random random = new Random();
    Set<String> answered = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < ROUNDS; round++) {
      int port = freePort();
      Process server = start(port, "round-" + round);
      try {
        awaitReady(port, server);
        int killAfter = answered.size() + 20 + random.nextInt(300);
        load(port, answered, () -> answered.size() >= killAfter || !server.isAlive());
        assertThat(server.isAlive()).as("server died on its own").isTrue();
      } finally {
        server.destroyForcibly(); // SIGKILL, while the clients' last requests are in flight
        server.waitFor(30, TimeUnit.SECONDS);
      }
    }
    assertThat(answered).isNotEmpty();

    int port = freePort();
    Process server = start(port, "final");
    try {
      awaitReady(port, server);
      await().atMost(Duration.ofSeconds(60)).until(() -> backlog(port) == 0);
    } finally {
      server.destroy(); // SIGTERM: a graceful shutdown releases the ledger
      server.waitFor(60, TimeUnit.SECONDS);
    }

    Map<String, Integer> chats = new HashMap<>();
    // Read through the store: V3 keeps the session id packed with the event's cold fields.
    try (JdbcUsageStore store = JdbcUsageStore.sqlite(data.resolve("tally.db"))) {
      String cursor = null;
      do {
        EventPage page =
            store.events(
                EventQuery.builder(Instant.EPOCH, Instant.parse("2200-01-01T00:00:00Z"))
                    .filter(GroupField.OPERATION, "chat")
                    .limit(EventQuery.MAX_LIMIT)
                    .cursor(cursor)
                    .build());
        for (UsageEvent e : page.events()) {
          chats.merge(String.valueOf(e.sessionId()), 1, Integer::sum);
        }
        cursor = page.nextCursor();
      } while (cursor != null);
    }
    List<String> missing = new ArrayList<>();
    for (String session : answered) {
      if (!chats.containsKey(session)) {
        missing.add(session);
      }
    }
    assertThat(missing).as("answered chats not in the ledger (of %d)", answered.size()).isEmpty();
    assertThat(chats.values()).as("chat events per session").allMatch(n -> n == 1);
    System.out.printf(
        "server kill -9: %d rounds, %d chats answered, all in the ledger once%n",
        ROUNDS, answered.size());
  }

  private Process start(int port, String name) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx384m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            TallyServerApplication.class.getName(),
            "--server.port=" + port,
            "--server.address=127.0.0.1",
            "--spring.datasource.url=jdbc:sqlite:" + data.resolve("server.db"),
            "--tally.store.url=jdbc:sqlite:" + data.resolve("tally.db"),
            "--tally.pipeline.spool-directory=" + data.resolve("pipeline"),
            "--tally.server.admin-key=" + Api.ADMIN_KEY,
            "--logging.level.root=WARN")
        .redirectOutput(data.resolve("server-" + name + ".log").toFile())
        .redirectErrorStream(true)
        .start();
  }

  private void awaitReady(int port, Process server) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> {
              if (!server.isAlive()) {
                throw new AssertionError("server exited: " + logs());
              }
              return http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .statusCode()
                  == 200;
            });
  }

  /** {@code CLIENTS} threads chatting until {@code stop} holds; each 200 adds its session. */
  private void load(int port, Set<String> answered, java.util.function.BooleanSupplier stop)
      throws InterruptedException {
    AtomicBoolean done = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Thread client =
          new Thread(
              () -> {
                while (!done.get()) {
                  try {
                    HttpResponse<String> r =
                        http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/api/chat"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "application/json")
                                .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                        "{\"message\":\"how many tokens is this?\"}"))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    Matcher m = SESSION.matcher(r.body());
                    if (r.statusCode() == 200 && m.find()) {
                      answered.add(m.group(1));
                    }
                  } catch (IOException e) {
                    return; // the server was killed
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "chat-client-" + i);
      client.start();
      clients.add(client);
    }
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(5))
          .until(stop::getAsBoolean);
    } finally {
      done.set(true);
    }
    // The kill comes while the clients still have requests in flight; they end on its reset.
    for (Thread client : clients) {
      client.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  private long backlog(int port) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/tally"))
                .header("Authorization", "Bearer " + Api.ADMIN_KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = BACKLOG.matcher(r.body());
    if (r.statusCode() != 200 || !m.find()) {
      throw new IllegalStateException("no journal backlog in " + r.statusCode() + " " + r.body());
    }
    return Long.parseLong(m.group(1));
  }

  private String logs() throws IOException {
    StringBuilder text = new StringBuilder();
    try (var files = Files.list(data)) {
      for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
        String content = Files.readString(log);
        text.append(log.getFileName())
            .append(":\n")
            .append(content, Math.max(0, content.length() - 3000), content.length());
      }
    }
    return text.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
