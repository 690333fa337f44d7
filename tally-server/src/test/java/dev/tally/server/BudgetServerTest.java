package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tally.core.budget.WebhookSignature;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Budgets end to end: definitions over HTTP, signed webhooks, 429 before the call, window reset.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestClock.Config.class)
class BudgetServerTest {
  static final String SECRET = "webhook-secret-0123456789";
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir static Path data;
  static HttpServer receiver;
  static final List<String[]> deliveries = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          deliveries.add(
              new String[] {body, exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER)});
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.stop(0);
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.budgets.alert-poll-interval", () -> "50ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
  }

  @LocalServerPort int port;
  @Autowired TestClock clock;
  Api api;

  @BeforeEach
  void client() {
    api = new Api(port);
    clock.reset();
  }

  static String hook() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  private long tokensSpent(String budget) {
    return api.get("/api/budgets/" + budget + "/status", Api.ADMIN_KEY)
        .json()
        .path("spent")
        .asLong();
  }

  private Map<String, Object> tokenBudget(String subject, long limit, String action) {
    return Map.of(
        "subject",
        subject,
        "measure",
        "TOKENS",
        "limit",
        limit,
        "window",
        "DAY",
        "timeZone",
        "Europe/Berlin",
        "thresholds",
        List.of(50, 100),
        "action",
        action,
        "webhook",
        Map.of("url", hook(), "secret", SECRET));
  }

  @Test
  void aStreamThatCrossesABlockingBudgetEndsWithAnErrorEventNamingItWithinTheCheckInterval() {
    String key = api.newUser("stream-blocked");
    long limit = 130;
    assertThat(
            api.put(
                    "/api/budgets/bu-stream",
                    Api.ADMIN_KEY,
                    tokenBudget("stream-blocked", limit, "BLOCK"))
                .status())
        .isEqualTo(200);
    String message = "word ".repeat(100).trim(); // a prompt of about 106 tokens

    Sse.Streamed s = new Sse(port).chat(key, message, null);

    assertThat(s.last().name()).isEqualTo("error");
    assertThat(s.names()).doesNotContain("usage", "done");
    JsonNode problem = s.last().data();
    assertThat(problem.path("status").asInt()).isEqualTo(429);
    assertThat(problem.path("budgetId").asString()).isEqualTo("bu-stream");
    assertThat(problem.path("detail").asString()).contains("bu-stream");
    long deltas = s.names().stream().filter("delta"::equals).count();
    assertThat(deltas).isLessThan(101).isPositive();
    await().atMost(WAIT).until(() -> tokensSpent("bu-stream") > 0);
    // overshoot: at most the output of one check interval (one word is one token, "Echo:" two)
    assertThat(tokensSpent("bu-stream") - limit)
        .isLessThanOrEqualTo(
            2L * dev.tally.server.chat.ChatStreamService.DEFAULT_BUDGET_CHECK_DELTAS);

    Sse.Streamed refused = new Sse(port).chat(key, "one more?", null);

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.rest()).contains("bu-stream");
  }

  @Test
  void blockReturns429WithRetryAfterAndTheNextWindowLetsTheSubjectThrough() {
    String key = api.newUser("blocked-user");
    assertThat(
            api.put(
                    "/api/budgets/bu-daily",
                    Api.ADMIN_KEY,
                    tokenBudget("blocked-user", 40, "BLOCK"))
                .status())
        .isEqualTo(200);

    assertThat(api.chat(key, "hello there, how are you today?").status()).isEqualTo(200);
    assertThat(api.chat(key, "and what does Tally track for me?").status()).isEqualTo(200);
    await().atMost(WAIT).until(() -> tokensSpent("bu-daily") >= 40);

    Api.Response refused = api.chat(key, "one more?");

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().path("budgetId").asString()).isEqualTo("bu-daily");
    assertThat(refused.json().path("detail").asString()).contains("budget 'bu-daily' is used up");
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    Instant windowEnd = Instant.parse(refused.json().path("windowEnd").asString());
    assertThat(retryAfter).isBetween(1L, Duration.ofHours(25).toSeconds());
    assertThat(Duration.between(Instant.now().plusSeconds(retryAfter), windowEnd).abs())
        .isLessThan(Duration.ofSeconds(5));

    clock.pin(windowEnd.plusSeconds(60));
    assertThat(api.chat(key, "a new day").status()).isEqualTo(200);
  }

  @Test
  void thresholdsFireOnceAndReachTheWebhookSigned() {
    String key = api.newUser("alerted-user");
    api.put("/api/budgets/au-daily", Api.ADMIN_KEY, tokenBudget("alerted-user", 30, "ALERT_ONLY"));

    for (int i = 0; i < 4; i++) {
      assertThat(api.chat(key, "message number " + i).status()).isEqualTo(200);
    }

    await()
        .atMost(WAIT)
        .until(() -> deliveries.stream().filter(d -> d[0].contains("\"au-daily\"")).count() == 2);
    for (String[] d : deliveries) {
      if (d[0].contains("\"au-daily\"")) {
        assertThat(
                WebhookSignature.verify(SECRET, d[1], d[0], Instant.now(), Duration.ofMinutes(5)))
            .isTrue();
      }
    }
    JsonNode alerts = api.get("/api/alerts", Api.ADMIN_KEY).json();
    List<Integer> thresholds = new ArrayList<>();
    alerts.forEach(
        a -> {
          if (a.path("budgetId").asString().equals("au-daily")) {
            thresholds.add(a.path("threshold").asInt());
            assertThat(a.path("deliveredAt").isNull()).isFalse();
          }
        });
    assertThat(thresholds).containsExactlyInAnyOrder(50, 100);

    JsonNode mine = api.get("/api/usage/me/budgets", key).json();
    assertThat(mine.get(0).path("budgetId").asString()).isEqualTo("au-daily");
    assertThat(mine.get(0).path("blocking").asBoolean()).isFalse();
    assertThat(api.get("/api/alerts", key).status()).isEqualTo(403);
  }

  @Test
  void fiftyConcurrentRequestsOvershootByNoMoreThanTheRequestsInFlight() throws Exception {
    String key = api.newUser("concurrent-user");
    api.chat(key, "warm up the tokens");
    api.put("/api/budgets/cu-daily", Api.ADMIN_KEY, tokenBudget("concurrent-user", 1, "BLOCK"));
    await().atMost(WAIT).until(() -> tokensSpent("cu-daily") > 0);
    long start = tokensSpent("cu-daily");
    long limit = start + 60;
    api.put("/api/budgets/cu-daily", Api.ADMIN_KEY, tokenBudget("concurrent-user", limit, "BLOCK"));

    ExecutorService callers = Executors.newFixedThreadPool(50);
    List<Future<Api.Response>> responses = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      String message = "concurrent request " + i;
      responses.add(callers.submit(() -> api.chat(key, message)));
    }
    long maxPerRequest = 0;
    int admitted = 0;
    for (Future<Api.Response> f : responses) {
      Api.Response r = f.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).isIn(200, 429);
      if (r.status() == 200) {
        admitted++;
        maxPerRequest =
            Math.max(maxPerRequest, r.json().path("usage").path("totalTokens").asLong());
      }
    }
    callers.shutdown();
    int inFlight = admitted;
    await().atMost(WAIT).until(() -> tokensSpent("cu-daily") >= start + inFlight);

    long overshoot = Math.max(0, tokensSpent("cu-daily") - limit);
    // The documented bound: the usage of the requests admitted while earlier ones were not yet
    // stored.
    assertThat(overshoot).isLessThanOrEqualTo((long) admitted * maxPerRequest);
    assertThat(api.chat(key, "after the burst").status()).isEqualTo(429);
  }

  @Test
  void budgetsAreManagedByAdminsWithClearErrors() {
    String key = api.newUser("plain-user");
    assertThat(api.put("/api/budgets/x", key, tokenBudget("plain-user", 10, "BLOCK")).status())
        .isEqualTo(403);

    Api.Response bad =
        api.put(
            "/api/budgets/x", Api.ADMIN_KEY, Map.of("subject", "a", "limit", 5, "window", "YEAR"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("detail").asString())
        .isEqualTo("window must be DAY, WEEK, MONTH or ROLLING, was 'YEAR'");
    Api.Response zero =
        api.put("/api/budgets/x", Api.ADMIN_KEY, Map.of("subject", "a", "limit", 0));
    assertThat(zero.status()).isEqualTo(400);
    assertThat(zero.json().path("detail").asString()).isEqualTo("limit must be > 0, was 0");

    Map<String, Object> cost =
        Map.of(
            "subject",
            "*",
            "measure",
            "COST",
            "limit",
            new BigDecimal("5.00"),
            "currency",
            "USD",
            "window",
            "MONTH");
    assertThat(
            api.put("/api/budgets/everyone", Api.ADMIN_KEY, cost)
                .json()
                .path("currency")
                .asString())
        .isEqualTo("USD");
    assertThat(api.get("/api/budgets/everyone", Api.ADMIN_KEY).json().path("window").asString())
        .isEqualTo("MONTH");
    assertThat(api.delete("/api/budgets/everyone", Api.ADMIN_KEY).status()).isEqualTo(204);
    assertThat(api.get("/api/budgets/everyone", Api.ADMIN_KEY).status()).isEqualTo(404);
  }
}
