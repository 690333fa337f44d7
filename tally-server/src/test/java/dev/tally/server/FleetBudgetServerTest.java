package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.ReservationStore;
import dev.tally.core.budget.ReservationStoreException;
import dev.tally.jdbc.JdbcReservationStore;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.TokenCounter;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fleet-wide budgets through the server: two instances (two Spring contexts on random ports) with
 * reservations on, one embedded PostgreSQL for both ledgers' budgets and reservation accounts.
 * Instance A fails closed when the reservation store is down, instance B fails open.
 */
class FleetBudgetServerTest {
  static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
  static final Instant DAY = BudgetWindow.day(ZoneOffset.UTC).at(NOW).start();
  static final String MESSAGE = "How much of my fleet budget is left today?";
  static final TokenCounter TOKENS = new TokenCounter();
  static final long PROMPT = TOKENS.countPrompt(List.of(ChatMessage.user(MESSAGE)));

  /** The echo model's answer: what a plain /api/chat of MESSAGE really uses. */
  static final long OUTPUT = TOKENS.count("Echo: " + MESSAGE);

  @TempDir static Path data;
  static EmbeddedPostgres pg;
  static ConfigurableApplicationContext a;
  static ConfigurableApplicationContext b;
  static Api apiA;
  static Api apiB;
  static final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void start() throws Exception {
    pg =
        EmbeddedPostgres.builder()
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .start();
    String url = pg.getJdbcUrl("postgres", "postgres");
    a = server("a", url, false);
    b = server("b", url, true);
    apiA = new Api(port(a));
    apiB = new Api(port(b));
  }

  @AfterAll
  static void stop() throws Exception {
    for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {a, b}) {
      if (c != null) {
        c.close();
      }
    }
    if (pg != null) {
      pg.close();
    }
  }

  @AfterEach
  void storeUp() {
    faults(a).down = false;
    faults(b).down = false;
  }

  static ConfigurableApplicationContext server(String name, String url, boolean failOpen) {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("spring.datasource.url", "jdbc:sqlite:" + data.resolve(name + "-server.db"));
    p.put("tally.store.url", url);
    p.put("tally.pipeline.spool-directory", data.resolve(name + "-spool").toString());
    p.put("tally.pipeline.flush-interval", "20ms");
    p.put("tally.server.admin-key", Api.ADMIN_KEY);
    p.put("tally.server.metrics-key", "");
    p.put("tally.budgets.reservations.enabled", "true");
    p.put("tally.budgets.reservations.fail-open", Boolean.toString(failOpen));
    // /api/chat has no output limit of its own: reserve exactly what the echo answers.
    p.put("tally.budgets.reservations.default-output-tokens", Long.toString(OUTPUT));
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(
                TallyServerApplication.class, TestClock.Config.class, Faults.class)
            // arguments, so they win over application.properties (default properties would not)
            .run(
                p.entrySet().stream()
                    .map(e -> "--" + e.getKey() + "=" + e.getValue())
                    .toArray(String[]::new));
    context.getBean(TestClock.class).pin(NOW);
    return context;
  }

  static int port(ConfigurableApplicationContext c) {
    return ((WebServerApplicationContext) c).getWebServer().getPort();
  }

  static SwitchableStore faults(ConfigurableApplicationContext c) {
    return c.getBean(SwitchableStore.class);
  }

  static ReservationStore.Account account(String budget) {
    return faults(a).account(budget, DAY);
  }

  /** A token budget defined on A; waits until both instances see it. */
  static void budget(String id, String subject, long limit) {
    Api.Response put =
        apiA.put(
            "/api/budgets/" + id,
            Api.ADMIN_KEY,
            Map.of(
                "subject",
                subject,
                "measure",
                "TOKENS",
                "limit",
                limit,
                "window",
                "DAY",
                "timeZone",
                "UTC",
                "action",
                "BLOCK"));
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    // each instance re-reads the budget list at most every second: wait until both enforce it
    for (ConfigurableApplicationContext c : List.of(a, b)) {
      BudgetRepository budgets = c.getBean(BudgetRepository.class);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> budgets.all().stream().anyMatch(x -> x.id().equals(id)));
    }
  }

  /** The same user on both instances (each has its own users and keys): the keys, A's then B's. */
  static String[] user(String id) {
    return new String[] {apiA.newUser(id), apiB.newUser(id)};
  }

  /** Sends {@code n} requests at once, alternately to A and B, and returns their answers. */
  static List<Api.Response> concurrently(int n, Function<Integer, Api.Response> request)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Api.Response>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        int k = i;
        answers.add(
            pool.submit(
                () -> {
                  go.await();
                  return request.apply(k);
                }));
      }
      go.countDown();
      List<Api.Response> out = new ArrayList<>();
      for (Future<Api.Response> f : answers) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twoInstancesWith200ConcurrentChatsAdmitExactlyWhatTheUserBudgetAllows() throws Exception {
    String[] keys = user("alice");
    long perCall = PROMPT + OUTPUT;
    long limit = 40 * perCall;
    budget("alice-fleet", "alice", limit);

    List<Api.Response> answers =
        concurrently(200, i -> (i % 2 == 0 ? apiA : apiB).chat(keys[i % 2], MESSAGE));

    long admitted = answers.stream().filter(r -> r.status() == 200).count();
    List<Api.Response> refused = answers.stream().filter(r -> r.status() == 429).toList();
    assertThat(admitted + refused.size()).as("every answer is 200 or 429").isEqualTo(200);
    for (Api.Response r : answers) {
      if (r.status() == 200) {
        assertThat(r.json().path("usage").path("totalTokens").asLong())
            .as("each chat used its estimate exactly")
            .isEqualTo(perCall);
      }
    }
    assertThat(admitted).isEqualTo(limit / perCall);
    assertThat(refused.get(0).json().path("budgetId").asString()).isEqualTo("alice-fleet");
    assertThat(refused.get(0).headers().firstValue("Retry-After")).isPresent();
    ReservationStore.Account account = account("alice-fleet");
    System.out.printf(
        "fleet chats: admitted %d of 200, committed %d, limit %d%n",
        admitted, account.committed(), limit);
    assertThat(account.committed()).isEqualTo(admitted * perCall).isLessThanOrEqualTo(limit);
    assertThat(account.reserved()).isZero();
  }

  @Test
  void streamsThatUseMoreThanTheirMaxTokensOvershootOnlyWithinTheDocumentedBound()
      throws Exception {
    String[] keys = user("bob");
    long estimate = PROMPT + 1; // max_tokens 1: the echo answers more, so each call overshoots
    long limit = 30 * estimate;
    budget("bob-fleet", "bob", limit);
    String body =
        json.writeValueAsString(
            Map.of(
                "model",
                "echo",
                "stream",
                true,
                "max_tokens",
                1,
                "stream_options",
                Map.of("include_usage", true),
                "messages",
                List.of(Map.of("role", "user", "content", MESSAGE))));

    List<Api.Response> answers =
        concurrently(
            100, i -> (i % 2 == 0 ? apiA : apiB).post("/v1/chat/completions", keys[i % 2], body));

    long admitted = 0;
    long used = 0;
    long bound = limit;
    for (Api.Response r : answers) {
      if (r.status() == 429) {
        JsonNode error = r.json().path("error");
        assertThat(error.path("code").asString()).isEqualTo("insufficient_quota");
        assertThat(error.path("message").asString()).contains("bob-fleet");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        continue;
      }
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      long actual = streamedTotalTokens(r.body());
      admitted++;
      used += actual;
      bound += Math.max(0, actual - estimate);
    }
    // a stream settles just after its last line reached the client
    await().atMost(Duration.ofSeconds(10)).until(() -> account("bob-fleet").reserved() == 0);
    ReservationStore.Account account = account("bob-fleet");
    System.out.printf(
        "fleet streams: admitted %d of 100, committed %d, limit %d, bound %d%n",
        admitted, account.committed(), limit, bound);
    assertThat(account.committed()).isEqualTo(used).isLessThanOrEqualTo(bound);
    assertThat(account.reserved()).isZero();
    assertThat(admitted).isGreaterThanOrEqualTo(limit / (PROMPT + OUTPUT)).isLessThan(100);
  }

  /** The total tokens of the usage chunk the gateway always asks the upstream for. */
  static long streamedTotalTokens(String sse) {
    for (String line : sse.split("\n")) {
      if (line.startsWith("data:") && line.contains("\"usage\"")) {
        JsonNode usage = json.readTree(line.substring(5)).path("usage");
        if (usage.path("total_tokens").isNumber()) {
          return usage.path("total_tokens").asLong();
        }
      }
    }
    throw new AssertionError("no usage chunk in the stream: " + sse);
  }

  @Test
  void aSettleReplayedOnEitherInstanceCountsOnce() {
    String[] keys = user("carol");
    budget("carol-fleet", "carol", 100_000);
    Api.Response r =
        apiA.post(
            "/v1/chat/completions",
            keys[0],
            Map.of("model", "echo", "messages", List.of(Map.of("role", "user", "content", "Hi"))));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    String requestId = r.headers().firstValue("x-tally-request-id").orElseThrow();
    long used = r.json().path("usage").path("total_tokens").asLong();
    // settled just after the answer was written
    await().atMost(Duration.ofSeconds(10)).until(() -> account("carol-fleet").committed() == used);

    assertThat(a.getBean(BudgetReservations.class).settle(requestId, 5_000, 5_000)).isFalse();
    assertThat(b.getBean(BudgetReservations.class).settle(requestId, 5_000, 5_000)).isFalse();

    assertThat(account("carol-fleet")).isEqualTo(new ReservationStore.Account(100_000, used, 0));
  }

  @Test
  void aReservationStoreThatIsDownRefusesWith503WhenFailClosedAndAdmitsWhenFailOpen() {
    String[] keys = user("dave");
    budget("dave-fleet", "dave", 100_000);
    faults(a).down = true;
    faults(b).down = true;

    Api.Response chat = apiA.chat(keys[0], MESSAGE);
    Api.Response gateway =
        apiA.post(
            "/v1/chat/completions",
            keys[0],
            Map.of("model", "echo", "messages", List.of(Map.of("role", "user", "content", "Hi"))));
    Api.Response embeddings =
        apiA.post("/v1/embeddings", keys[0], Map.of("model", "echo", "input", "Hi"));
    Api.Response open = apiB.chat(keys[1], MESSAGE);

    assertThat(chat.status()).isEqualTo(503);
    assertThat(chat.contentType()).startsWith("application/problem+json");
    assertThat(chat.json().path("detail").asString())
        .contains("tally.budgets.reservations.fail-open");
    assertThat(gateway.status()).isEqualTo(503);
    assertThat(gateway.json().path("error").path("code").asString())
        .isEqualTo("budget_store_unavailable");
    assertThat(embeddings.status()).as(embeddings.body()).isEqualTo(503);
    assertThat(open.status()).as(open.body()).isEqualTo(200);
    faults(a).down = false;
    assertThat(account("dave-fleet")).isEqualTo(new ReservationStore.Account(0, 0, 0));
  }

  /** The real reservation store, which a test can take down (failure injection only). */
  static final class SwitchableStore implements ReservationStore {
    private final ReservationStore store;
    volatile boolean down;

    SwitchableStore(ReservationStore store) {
      this.store = store;
    }

    private ReservationStore up() {
      if (down) {
        throw new ReservationStoreException(
            "the reservation store is down (test)", new java.sql.SQLException("connection lost"));
      }
      return store;
    }

    @Override
    public Reservation reserve(String requestId, List<Hold> holds, Instant now) {
      return up().reserve(requestId, holds, now);
    }

    @Override
    public boolean dispatched(String requestId, Instant now) {
      return up().dispatched(requestId, now);
    }

    @Override
    public boolean settle(String requestId, long tokens, long costMicros, Instant now) {
      return up().settle(requestId, tokens, costMicros, now);
    }

    @Override
    public boolean release(String requestId, Instant now) {
      return up().release(requestId, now);
    }

    @Override
    public SweepResult sweep(Instant reservedBefore, Instant now) {
      return up().sweep(reservedBefore, now);
    }

    @Override
    public Account account(String budgetId, Instant windowStart) {
      return up().account(budgetId, windowStart);
    }
  }

  @TestConfiguration(proxyBeanMethods = false)
  static class Faults {
    @Bean
    SwitchableStore switchableReservationStore(JdbcUsageStore store) {
      return new SwitchableStore(JdbcReservationStore.on(store));
    }
  }
}
