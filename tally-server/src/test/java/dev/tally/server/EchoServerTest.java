package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The server with the default echo model, end to end over real HTTP into SQLite files in a
 * temporary directory. One application context serves every nested group.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestClock.Config.class)
class EchoServerTest {
  static final String CATALOG =
      """
      {"version": "test-2025", "currency": "USD", "prices": [
        {"model": "echo", "effectiveFrom": "2020-01-01", "inputPerMillion": "1000", "outputPerMillion": "2000"},
        {"model": "echo", "effectiveFrom": "2025-01-01", "inputPerMillion": "3000", "outputPerMillion": "6000"}
      ]}
      """;
  static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  static final Duration WAIT = Duration.ofSeconds(15);
  static final AtomicInteger USERS = new AtomicInteger();

  @TempDir static Path data;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
    registry.add("tally.server.chat.history-limit", () -> "4");
    registry.add("tally.server.model.echo.stream-delay", () -> "25ms");
    registry.add("tally.pricing.catalog", () -> write(data.resolve("prices.json"), CATALOG));
  }

  static String write(Path file, String text) {
    try {
      Files.writeString(file, text);
      return file.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @LocalServerPort int port;

  Api api;

  @BeforeEach
  void client() {
    api = new Api(port);
  }

  static String uniqueUser(String name) {
    return name + "-" + USERS.incrementAndGet();
  }

  /** Cost of echo usage at the price from 2025-01-01: 3000 per million in, 6000 out. */
  static BigDecimal currentEchoCost(JsonNode usage) {
    return price(usage, "3000", "6000");
  }

  static BigDecimal price(JsonNode usage, String inPerMillion, String outPerMillion) {
    return BigDecimal.valueOf(usage.path("inputTokens").asLong())
        .multiply(new BigDecimal(inPerMillion))
        .add(
            BigDecimal.valueOf(usage.path("outputTokens").asLong())
                .multiply(new BigDecimal(outPerMillion)))
        .divide(MILLION);
  }

  JsonNode awaitMe(String key, String query, long requests) {
    return await()
        .atMost(WAIT)
        .until(
            () -> api.get("/api/usage/me?" + query, key).json(),
            r -> r.path("totals").path("requests").asLong() == requests);
  }

  @Nested
  class Chat {
    @Test
    void anonymousChatAnswersWithEstimatedUsageAndItsCost() {
      Api.Response r = api.chat(null, "hello there");

      assertThat(r.status()).isEqualTo(200);
      JsonNode body = r.json();
      assertThat(body.path("response").asString()).isEqualTo("Echo: hello there");
      assertThat(body.path("model").asString()).isEqualTo("echo");
      assertThat(body.path("sessionId").asString()).isNotBlank();
      JsonNode usage = body.path("usage");
      assertThat(usage.path("source").asString()).isEqualTo("ESTIMATED");
      assertThat(usage.path("inputTokens").asLong()).isPositive();
      assertThat(usage.path("outputTokens").asLong()).isPositive();
      assertThat(usage.path("totalTokens").asLong())
          .isEqualTo(usage.path("inputTokens").asLong() + usage.path("outputTokens").asLong());
      assertThat(usage.path("priced").asBoolean()).isTrue();
      assertThat(usage.path("currency").asString()).isEqualTo("USD");
      assertThat(new BigDecimal(usage.path("cost").asString()))
          .isEqualByComparingTo(currentEchoCost(usage));
    }

    @Test
    void keyedChatIsTrackedForTheKeysUser() {
      String alice = uniqueUser("alice");
      String key = api.newUser(alice);

      Api.Response r = api.chat(key, "hi, I am alice");

      assertThat(r.status()).isEqualTo(200);
      JsonNode me = awaitMe(key, "operation=chat", 1);
      assertThat(me.path("subject").asString()).isEqualTo(alice);
    }

    @Test
    void aSessionKeepsOnlyTheLastMessages(@Autowired JdbcClient db) {
      String first = api.chat(null, "one").json().path("sessionId").asString();
      for (String message : new String[] {"two", "three", "four"}) {
        Api.Response r =
            api.post("/api/chat", null, Map.of("message", message, "sessionId", first));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("sessionId").asString()).isEqualTo(first);
      }

      List<String> kept =
          db.sql("SELECT content FROM chat_messages WHERE session_id = ? ORDER BY id")
              .param(first)
              .query(String.class)
              .list();
      assertThat(kept).containsExactly("three", "Echo: three", "four", "Echo: four");
    }

    @Test
    void anotherUsersSessionDoesNotExistForYou() {
      String aliceKey = api.newUser(uniqueUser("alice"));
      String bobKey = api.newUser(uniqueUser("bob"));
      String session = api.chat(aliceKey, "secret plans").json().path("sessionId").asString();

      Api.Response r =
          api.post("/api/chat", bobKey, Map.of("message", "let me in", "sessionId", session));

      assertThat(r.status()).isEqualTo(404);
      assertThat(r.contentType()).startsWith("application/problem+json");
    }
  }

  @Nested
  class UsageAndIsolation {
    @Test
    void usageIsVisibleRightAfterTheCallWithTokensAndCost() {
      String key = api.newUser(uniqueUser("carol"));
      JsonNode usage = api.chat(key, "count my tokens").json().path("usage");

      JsonNode totals = awaitMe(key, "operation=chat", 1).path("totals");

      assertThat(totals.path("inputTokens").asLong()).isEqualTo(usage.path("inputTokens").asLong());
      assertThat(totals.path("outputTokens").asLong())
          .isEqualTo(usage.path("outputTokens").asLong());
      assertThat(totals.path("totalTokens").asLong()).isEqualTo(usage.path("totalTokens").asLong());
      assertThat(new BigDecimal(totals.path("cost").asString()))
          .isEqualByComparingTo(new BigDecimal(usage.path("cost").asString()));
      assertThat(totals.path("currency").asString()).isEqualTo("USD");
      assertThat(totals.path("errors").asLong()).isZero();
    }

    @Test
    void httpEventsCarryTheUserOfTheKey() {
      String key = api.newUser(uniqueUser("dave"));
      api.chat(key, "hello");

      JsonNode me =
          await()
              .atMost(WAIT)
              .until(
                  () -> api.get("/api/usage/me?operation=http&groupBy=operation", key).json(),
                  r -> r.path("totals").path("requests").asLong() >= 1);
      assertThat(me.path("series").get(0).path("group").path("operation").asString())
          .isEqualTo("http");
    }

    @Test
    void aUserSeesOnlyTheirOwnUsage() {
      String erin = uniqueUser("erin");
      String erinKey = api.newUser(erin);
      String frankKey = api.newUser(uniqueUser("frank"));
      api.chat(erinKey, "erin's message");
      api.chat(frankKey, "frank's first");
      api.chat(frankKey, "frank's second");

      JsonNode me = awaitMe(erinKey, "operation=chat&groupBy=subject", 1);

      assertThat(me.path("series").size()).isEqualTo(1);
      assertThat(me.path("series").get(0).path("group").path("subject").asString()).isEqualTo(erin);
      assertThat(awaitMe(frankKey, "operation=chat", 2).path("totals").path("requests").asLong())
          .isEqualTo(2);
    }

    @Test
    void aUserPagesThroughOnlyTheirOwnEvents() {
      String olga = uniqueUser("olga");
      String olgaKey = api.newUser(olga);
      String peterKey = api.newUser(uniqueUser("peter"));
      api.chat(olgaKey, "one");
      api.chat(olgaKey, "two");
      api.chat(olgaKey, "three");
      api.chat(peterKey, "not olga's");
      api.chat(null, "nobody's");
      awaitMe(olgaKey, "operation=chat", 3);

      JsonNode page1 = api.get("/api/usage/me/events?operation=chat&limit=2", olgaKey).json();
      String cursor = page1.path("nextCursor").asString();
      JsonNode page2 =
          api.get(
                  "/api/usage/me/events?operation=chat&limit=2&cursor="
                      + URLEncoder.encode(cursor, StandardCharsets.UTF_8),
                  olgaKey)
              .json();

      assertThat(page1.path("events").size()).isEqualTo(2);
      assertThat(cursor).isNotBlank();
      assertThat(page2.path("events").size()).isEqualTo(1);
      assertThat(page2.path("nextCursor").asString("")).isEmpty();
      List<JsonNode> events = new ArrayList<>();
      page1.path("events").forEach(events::add);
      page2.path("events").forEach(events::add);
      assertThat(events).extracting(e -> e.path("subject").asString()).containsOnly(olga);
      assertThat(events).extracting(e -> e.path("id").asString()).doesNotHaveDuplicates();
      List<String> subjects = new ArrayList<>();
      api.get("/api/usage/me/events?limit=1000", olgaKey)
          .json()
          .path("events")
          .forEach(e -> subjects.add(e.path("subject").asString()));
      assertThat(subjects).isNotEmpty().containsOnly(olga);

      List<java.time.Instant> newestFirst = new ArrayList<>();
      api.get("/api/usage/me/events?operation=chat&order=newest", olgaKey)
          .json()
          .path("events")
          .forEach(e -> newestFirst.add(java.time.Instant.parse(e.path("occurredAt").asString())));
      assertThat(newestFirst).hasSize(3).isSortedAccordingTo(java.util.Comparator.reverseOrder());
      Api.Response badOrder = api.get("/api/usage/me/events?order=sideways", olgaKey);
      assertThat(badOrder.status()).isEqualTo(400);
      assertThat(badOrder.json().path("detail").asString())
          .isEqualTo("order must be 'oldest' or 'newest', was 'sideways'");
    }

    @Test
    void myEventsNeedAKeyAndRefuseBadParameters() {
      String key = api.newUser(uniqueUser("quinn"));

      Api.Response anonymous = api.get("/api/usage/me/events", null);
      Api.Response badLimit = api.get("/api/usage/me/events?limit=0", key);
      Api.Response badCursor = api.get("/api/usage/me/events?cursor=nonsense", key);

      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.contentType()).startsWith("application/problem+json");
      assertThat(badLimit.status()).isEqualTo(400);
      assertThat(badLimit.json().path("detail").asString()).contains("limit");
      assertThat(badCursor.status()).isEqualTo(400);
      assertThat(badCursor.json().path("detail").asString()).contains("cursor");
    }

    @Test
    void meNamesTheCallerAndWhetherTheyAreAnAdmin() {
      String rosa = uniqueUser("rosa");
      String key = api.newUser(rosa);

      JsonNode user = api.get("/api/me", key).json();
      JsonNode admin = api.get("/api/me", Api.ADMIN_KEY).json();
      Api.Response anonymous = api.get("/api/me", null);
      Api.Response invalid = api.get("/api/me", "tly_not-a-real-key");

      assertThat(user.path("subject").asString()).isEqualTo(rosa);
      assertThat(user.path("email").asString()).isEqualTo(rosa + "@example.com");
      assertThat(user.path("admin").asBoolean()).isFalse();
      assertThat(admin.path("subject").asString()).isEqualTo("admin");
      assertThat(admin.path("admin").asBoolean()).isTrue();
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.json().path("detail").asString()).contains("API key");
      assertThat(invalid.status()).isEqualTo(401);
      assertThat(invalid.json().path("detail").asString()).isEqualTo("the API key is not valid");
    }

    @Test
    void aUserCannotUseAdminEndpoints() {
      String gina = uniqueUser("gina");
      String key = api.newUser(gina);

      assertThat(api.get("/api/usage", key).status()).isEqualTo(403);
      assertThat(api.get("/api/usage?subject=admin", key).status()).isEqualTo(403);
      assertThat(api.get("/api/usage/events", key).status()).isEqualTo(403);
      assertThat(api.post("/api/admin/users", key, Map.of("id", "mallory")).status())
          .isEqualTo(403);
      assertThat(api.post("/api/admin/users/" + gina + "/keys", key).status()).isEqualTo(403);
      Api.Response export = api.get("/api/usage/export?format=csv&subject=admin", key);
      assertThat(export.status()).isEqualTo(403);
      assertThat(export.contentType()).startsWith("application/problem+json");
      // A subject parameter on the /me endpoints is ignored: they always answer for the caller.
      assertThat(api.get("/api/usage/me?subject=admin", key).json().path("subject").asString())
          .isEqualTo(gina);
      api.get("/api/usage/me/events?subject=admin&limit=1000", key)
          .json()
          .path("events")
          .forEach(e -> assertThat(e.path("subject").asString()).isEqualTo(gina));
    }

    @Test
    void anonymousCallersCannotReadUsage() {
      Api.Response r = api.get("/api/usage/me", null);

      assertThat(r.status()).isEqualTo(401);
      assertThat(r.json().path("detail").asString()).contains("API key");
    }

    @Test
    void anInvalidKeyGets401NotAServerError() {
      Api.Response unknown = api.get("/api/usage/me", "tly_not-a-real-key");
      Api.Response chat = api.chat("nonsense", "hello");
      Api.Response basic = api.getWithAuthorization("/api/chat", "Basic YWxpY2U6c2VjcmV0");

      assertThat(unknown.status()).isEqualTo(401);
      assertThat(unknown.contentType()).startsWith("application/problem+json");
      assertThat(unknown.json().path("detail").asString()).isEqualTo("the API key is not valid");
      assertThat(chat.status()).isEqualTo(401);
      assertThat(basic.status()).isEqualTo(401);
      assertThat(basic.json().path("detail").asString()).contains("Bearer <api key>");
    }

    @Test
    void anAdminReadsAnyonesUsageRawEventsAndCsv() {
      String hank = uniqueUser("hank");
      String key = api.newUser(hank);
      api.chat(key, "first");
      api.chat(key, "second");
      awaitMe(key, "operation=chat", 2);

      JsonNode report =
          api.get("/api/usage?subject=" + hank + "&operation=chat", Api.ADMIN_KEY).json();
      assertThat(report.path("totals").path("requests").asLong()).isEqualTo(2);

      JsonNode page1 =
          api.get("/api/usage/events?operation=chat&limit=1&subject=" + hank, Api.ADMIN_KEY).json();
      assertThat(page1.path("events").size()).isEqualTo(1);
      assertThat(page1.path("events").get(0).path("subject").asString()).isEqualTo(hank);
      String cursor = page1.path("nextCursor").asString();
      assertThat(cursor).isNotBlank();
      JsonNode page2 =
          api.get(
                  "/api/usage/events?operation=chat&limit=1&subject="
                      + hank
                      + "&cursor="
                      + URLEncoder.encode(cursor, StandardCharsets.UTF_8),
                  Api.ADMIN_KEY)
              .json();
      assertThat(page2.path("events").size()).isEqualTo(1);
      assertThat(page2.path("events").get(0).path("id").asString())
          .isNotEqualTo(page1.path("events").get(0).path("id").asString());

      Api.Response csv =
          api.get("/api/usage/export?format=csv&operation=chat&groupBy=subject", key);
      assertThat(csv.status()).isEqualTo(200);
      assertThat(csv.contentType()).startsWith("text/csv");
      assertThat(csv.body().lines().findFirst().orElseThrow())
          .startsWith("start,end,subject,requests,errors,input_tokens");
      assertThat(csv.body()).contains("," + hank + ",2,0,");
    }
  }

  /** Reports count operations; the HTTP middleware's request events are apart; reads are free. */
  @Nested
  class Counting {
    @Test
    void threeChatsReadThreeRequestsForTheUserAndTheAdmin() {
      String ivy = uniqueUser("ivy");
      String key = api.newUser(ivy);
      BigDecimal cost = BigDecimal.ZERO;
      for (int i = 1; i <= 3; i++) {
        cost =
            cost.add(
                new BigDecimal(
                    api.chat(key, "chat " + i).json().path("usage").path("cost").asString()));
      }
      Api.Response budget =
          api.put(
              "/api/budgets/" + ivy + "-cost",
              Api.ADMIN_KEY,
              Map.of("subject", ivy, "measure", "COST", "limit", 100, "window", "DAY"));
      assertThat(budget.status()).as(budget.body()).isEqualTo(200);

      // Each chat is one chat event and one http event (POST /api/chat).
      JsonNode me =
          await()
              .atMost(WAIT)
              .until(
                  () -> api.get("/api/usage/me?groupBy=operation", key).json(),
                  r ->
                      r.path("httpRequests").asLong() == 3
                          && r.path("totals").path("requests").asLong() == 3);
      for (int read = 0; read < 3; read++) {
        me = api.get("/api/usage/me?groupBy=operation", key).json();
        assertThat(me.path("totals").path("requests").asLong()).isEqualTo(3);
        assertThat(me.path("httpRequests").asLong()).isEqualTo(3);
      }
      assertThat(me.path("excludedOperations").toString()).isEqualTo("[\"http\"]");
      assertThat(
              me.path("series")
                  .valueStream()
                  .map(p -> p.path("group").path("operation").asString()))
          .containsOnly("chat");
      assertThat(new BigDecimal(me.path("totals").path("cost").asString()))
          .isEqualByComparingTo(cost);

      JsonNode admin = api.get("/api/usage?subject=" + ivy, Api.ADMIN_KEY).json();
      assertThat(admin.path("totals").path("requests").asLong()).isEqualTo(3);
      assertThat(admin.path("httpRequests").asLong()).isEqualTo(3);
      JsonNode bySubject = api.get("/api/usage?window=none&groupBy=subject", Api.ADMIN_KEY).json();
      assertThat(
              bySubject
                  .path("series")
                  .valueStream()
                  .filter(p -> p.path("group").path("subject").asString().equals(ivy))
                  .map(p -> p.path("requests").asLong()))
          .containsExactly(3L);
      assertThat(
              bySubject
                  .path("series")
                  .valueStream()
                  .map(p -> p.path("group").path("subject").asString()))
          .doesNotHaveDuplicates();

      // The http events, only when asked for: in reports and in the event listings.
      JsonNode http = api.get("/api/usage/me?operation=http", key).json();
      assertThat(http.path("totals").path("requests").asLong()).isEqualTo(3);
      assertThat(http.path("excludedOperations").size()).isZero();
      assertThat(http.path("httpRequests").isNull()).isTrue();
      JsonNode events = api.get("/api/usage/me/events", key).json().path("events");
      assertThat(events.valueStream().map(e -> e.path("operation").asString()))
          .containsExactly("chat", "chat", "chat");
      assertThat(
              api.get("/api/usage/events?operation=http&subject=" + ivy, Api.ADMIN_KEY)
                  .json()
                  .path("events")
                  .valueStream()
                  .map(e -> e.path("attributes").path("http.route").asString()))
          .containsExactly("/api/chat", "/api/chat", "/api/chat");
      String csv =
          api.get("/api/usage/export?format=csv&window=none&groupBy=operation", key).body();
      assertThat(csv.lines().skip(1)).singleElement().asString().contains(",chat,3,0,");

      // Budgets count cost (and tokens); the http events have neither, so nothing changes.
      JsonNode status = api.get("/api/budgets/" + ivy + "-cost/status", Api.ADMIN_KEY).json();
      assertThat(status.path("spent").decimalValue()).isEqualByComparingTo(cost);
    }

    @Test
    void readingUsageMeAndTheDashboardIsNotRecorded() {
      String jack = uniqueUser("jack");
      String key = api.newUser(jack);
      api.chat(key, "the one chat");
      awaitMe(key, "operation=http", 1);

      List<String> reads =
          List.of(
              "/api/me",
              "/api/usage/me",
              "/api/usage/me?window=day&groupBy=model",
              "/api/usage/me/events",
              "/api/usage/me/budgets",
              "/api/usage/export?format=csv",
              "/dashboard/",
              "/dashboard/app.js",
              "/webjars/chart.js/dist/chart.umd.js",
              "/v3/api-docs");
      for (String read : reads) {
        assertThat(api.get(read, key).status()).as(read).isEqualTo(200);
      }
      // A second chat after the reads: once its http event is stored, a recorded read (tracked
      // before it, through the same pipeline) would be stored too.
      api.chat(key, "the second chat");
      JsonNode http = awaitMe(key, "operation=http&window=none", 2);
      assertThat(http.path("totals").path("requests").asLong()).isEqualTo(2);
      assertThat(
              api.get("/api/usage/events?operation=http&subject=" + jack, Api.ADMIN_KEY)
                  .json()
                  .path("events")
                  .valueStream()
                  .map(e -> e.path("attributes").path("http.route").asString()))
          .containsExactly("/api/chat", "/api/chat");
    }

    @Test
    void windowNoneIsReportedAsNoneWithOneTotalsRowPerGroup() {
      String kim = uniqueUser("kim");
      String key = api.newUser(kim);
      api.chat(key, "one");
      awaitMe(key, "", 1);

      JsonNode report = api.get("/api/usage/me?window=none&groupBy=model", key).json();

      assertThat(report.path("window").asString()).isEqualTo("none");
      assertThat(report.path("series").size()).isEqualTo(1);
      JsonNode point = report.path("series").get(0);
      assertThat(point.path("group").path("model").asString()).isEqualTo("echo");
      assertThat(point.path("start").asString()).isEqualTo(report.path("from").asString());
      assertThat(point.path("end").asString()).isEqualTo(report.path("to").asString());
      assertThat(api.get("/api/usage/me", key).json().path("window").asString()).isEqualTo("hour");
    }
  }

  @Nested
  class Admin {
    @Test
    void keysAreStoredOnlyAsTheirSha256(@Autowired JdbcClient db) throws Exception {
      String nora = uniqueUser("nora");
      String key = api.newUser(nora);

      List<String> stored =
          db.sql("SELECT key_hash FROM api_keys WHERE user_id = ?")
              .param(nora)
              .query(String.class)
              .list();
      String sha256 =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(key.getBytes(StandardCharsets.UTF_8)));
      assertThat(key).startsWith("tly_").hasSizeGreaterThan(40);
      assertThat(stored).containsExactly(sha256);
    }

    @Test
    void userAndKeyCreationRefuseBadRequestsWithProblems() {
      String olga = uniqueUser("olga");
      api.newUser(olga);

      assertThat(api.post("/api/admin/users", Api.ADMIN_KEY, Map.of("id", olga)).status())
          .isEqualTo(409);
      Api.Response badId =
          api.post("/api/admin/users", Api.ADMIN_KEY, Map.of("id", "no spaces please"));
      assertThat(badId.status()).isEqualTo(400);
      assertThat(badId.json().path("detail").asString()).startsWith("id must be");
      assertThat(api.post("/api/admin/users", Api.ADMIN_KEY, Map.of("id", "anonymous")).status())
          .isEqualTo(400);
      assertThat(api.post("/api/admin/users/nobody-here/keys", Api.ADMIN_KEY).status())
          .isEqualTo(404);
      assertThat(api.post("/api/admin/users", null, Map.of("id", "sneaky")).status())
          .isEqualTo(401);
    }
  }

  @Nested
  class Pricing {
    @Test
    void anEventBeforeAPriceChangeKeepsTheOldPrice(@Autowired TestClock clock) {
      String key = api.newUser(uniqueUser("ivy"));
      Instant beforeChange = Instant.parse("2024-06-01T12:00:00Z");
      JsonNode oldUsage;
      clock.pin(beforeChange);
      try {
        oldUsage = api.chat(key, "priced in 2024").json().path("usage");
      } finally {
        clock.reset();
      }
      JsonNode newUsage = api.chat(key, "priced today").json().path("usage");

      assertThat(new BigDecimal(oldUsage.path("cost").asString()))
          .isEqualByComparingTo(price(oldUsage, "1000", "2000"));
      assertThat(new BigDecimal(newUsage.path("cost").asString()))
          .isEqualByComparingTo(currentEchoCost(newUsage));
      JsonNode stored2024 =
          awaitMe(key, "operation=chat&from=2024-06-01&to=2024-06-02&window=day", 1).path("totals");
      assertThat(new BigDecimal(stored2024.path("cost").asString()))
          .isEqualByComparingTo(price(oldUsage, "1000", "2000"));
      JsonNode storedToday = awaitMe(key, "operation=chat", 1).path("totals");
      assertThat(new BigDecimal(storedToday.path("cost").asString()))
          .isEqualByComparingTo(currentEchoCost(newUsage));
    }
  }

  @Nested
  class BadInput {
    @Test
    void malformedJsonIs400Problem() {
      Api.Response r = api.post("/api/chat", null, "{\"message\": ");

      assertThat(r.status()).isEqualTo(400);
      assertThat(r.contentType()).startsWith("application/problem+json");
      assertThat(r.json().path("detail").asString())
          .startsWith("request body must be a valid JSON");
    }

    @Test
    void aMissingMessageIs400Problem() {
      Api.Response r = api.post("/api/chat", null, Map.of("sessionId", "abc"));

      assertThat(r.status()).isEqualTo(400);
      assertThat(r.json().path("detail").asString()).contains("message");
    }

    @Test
    void aMessageOverTheLimitIs413Problem() {
      Api.Response r = api.chat(null, "x".repeat(33 * 1024));

      assertThat(r.status()).isEqualTo(413);
      assertThat(r.contentType()).startsWith("application/problem+json");
      assertThat(r.json().path("detail").asString()).contains("33792 bytes").contains("32768");
    }

    @Test
    void aBodyFarOverTheLimitIsRefusedBeforeItIsRead() {
      Api.Response r = api.chat(null, "y".repeat(300 * 1024));

      assertThat(r.status()).isEqualTo(413);
      assertThat(r.json().path("detail").asString()).startsWith("request body is");
    }

    @Test
    void badQueryParametersAre400ProblemsNamingTheParameter() {
      String key = api.newUser(uniqueUser("jack"));

      Map<String, String> cases =
          Map.of(
              "window=week", "window",
              "groupBy=colour", "groupBy",
              "tz=Mars/Olympus", "tz",
              "from=yesterday", "from",
              "from=2026-01-02&to=2026-01-01", "from must be before to",
              "outcome=MAYBE", "outcome");
      cases.forEach(
          (query, named) -> {
            Api.Response r = api.get("/api/usage/me?" + query, key);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.contentType()).as(query).startsWith("application/problem+json");
            assertThat(r.json().path("detail").asString()).as(query).contains(named);
          });
    }

    @Test
    void anInvalidSessionIdIs400() {
      Api.Response r = api.post("/api/chat", null, Map.of("message", "hi", "sessionId", "../etc"));

      assertThat(r.status()).isEqualTo(400);
    }
  }

  @Nested
  class Summary {
    @Test
    void aSummaryIsTrackedThroughItsDomainEvent() {
      String key = api.newUser(uniqueUser("kate"));
      String session = api.chat(key, "we talked about pricing").json().path("sessionId").asString();

      Api.Response r = api.post("/api/chat/sessions/" + session + "/summary", key);

      assertThat(r.status()).isEqualTo(200);
      JsonNode usage = r.json().path("usage");
      assertThat(usage.path("source").asString()).isEqualTo("ESTIMATED");
      JsonNode totals = awaitMe(key, "operation=summary", 1).path("totals");
      assertThat(totals.path("inputTokens").asLong()).isEqualTo(usage.path("inputTokens").asLong());
      assertThat(new BigDecimal(totals.path("cost").asString()))
          .isEqualByComparingTo(new BigDecimal(usage.path("cost").asString()));
    }

    @Test
    void aSummaryOfSomeoneElsesSessionIsNotFound() {
      String owner = api.newUser(uniqueUser("liam"));
      String other = api.newUser(uniqueUser("mia"));
      String session = api.chat(owner, "mine").json().path("sessionId").asString();

      assertThat(api.post("/api/chat/sessions/" + session + "/summary", other).status())
          .isEqualTo(404);
    }
  }

  @Nested
  class Operations {
    @Test
    void actuatorExposesHealthToAnyoneAndPrometheusAndTallyToTheAdmin() {
      api.chat(null, "make some metrics");

      assertThat(api.get("/actuator/health", null).json().path("status").asString())
          .isEqualTo("UP");
      assertThat(api.get("/actuator/tally", Api.ADMIN_KEY).status()).isEqualTo(200);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(api.get("/actuator/prometheus", Api.ADMIN_KEY).body())
                      .contains("tally_pipeline_events")
                      .contains("gen_ai_client_token_usage"));
    }

    @Test
    void theOpenApiDocumentDescribesTheChatApi() {
      Api.Response r = api.get("/v3/api-docs", null);

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().path("paths").has("/api/chat")).isTrue();
      assertThat(r.json().path("paths").has("/api/usage/me")).isTrue();
      assertThat(r.body()).doesNotContain("tally.server.caller");
      assertThat(api.get("/swagger-ui/index.html", null).status()).isEqualTo(200);
    }
  }

  JsonNode awaitEvents(String subject, String outcome, int count) {
    return await()
        .atMost(WAIT)
        .until(
            () ->
                api.get(
                        "/api/usage/events?operation=chat&outcome="
                            + outcome
                            + "&subject="
                            + subject,
                        Api.ADMIN_KEY)
                    .json()
                    .path("events"),
            events -> events.size() == count);
  }

  /** {@code "stream": true}: the echo answers word by word over server-sent events. */
  @Nested
  class Streaming {
    @Test
    void aStreamedEchoSendsItsWordsThenTheUsageAndItsCostThenDone() {
      String user = uniqueUser("streamer");
      String key = api.newUser(user);

      Sse.Streamed s = new Sse(port).chat(key, "one two three four", null);

      assertThat(s.status()).isEqualTo(200);
      assertThat(s.contentType()).startsWith("text/event-stream");
      assertThat(s.names())
          .containsExactly("delta", "delta", "delta", "delta", "delta", "usage", "done");
      assertThat(s.text()).isEqualTo("Echo: one two three four");
      JsonNode usageEvent = s.events().get(5).data();
      assertThat(usageEvent.path("model").asString()).isEqualTo("echo");
      String sessionId = usageEvent.path("sessionId").asString();
      assertThat(sessionId).isNotBlank();
      JsonNode usage = usageEvent.path("usage");
      // the same counts as a plain chat with the same words
      JsonNode plain = api.chat(key, "one two three four").json().path("usage");
      assertThat(usage.path("source").asString()).isEqualTo("ESTIMATED");
      assertThat(usage.path("inputTokens").asLong()).isEqualTo(plain.path("inputTokens").asLong());
      assertThat(usage.path("outputTokens").asLong())
          .isEqualTo(plain.path("outputTokens").asLong());
      assertThat(new BigDecimal(usage.path("cost").asString()))
          .isEqualByComparingTo(currentEchoCost(usage));
      JsonNode stored = awaitEvents(user, "success", 2);
      assertThat(stored)
          .anySatisfy(
              e -> {
                assertThat(e.path("sessionId").asString()).isEqualTo(sessionId);
                assertThat(e.path("tokens").path("total").asLong())
                    .isEqualTo(usage.path("totalTokens").asLong());
                assertThat(e.path("attributes").path("tally.stream.completed").asString())
                    .isEqualTo("true");
              });
      // the session keeps the exchange: its summary counts one answer
      JsonNode summary = api.post("/api/chat/sessions/" + sessionId + "/summary", key).json();
      assertThat(summary.path("summary").asString()).contains("I answered once");
    }

    @Test
    void aClientThatLeavesMidStreamIsRecordedOnceAsCancelledWithTheTokensDelivered() {
      String user = uniqueUser("leaver");
      String key = api.newUser(user);
      String message = "word ".repeat(200).trim(); // 201 words at 25 ms: about 5 s

      Sse.Streamed s = new Sse(port).chat(key, message, null, 3);

      assertThat(s.names()).containsExactly("delta", "delta", "delta");
      JsonNode cancelled = awaitEvents(user, "cancelled", 1);
      JsonNode event = cancelled.get(0);
      assertThat(event.path("tokens").path("total").asLong()).isPositive();
      assertThat(event.path("tokens").path("output").asLong()).isPositive();
      assertThat(event.path("tokens").path("source").asString()).isEqualTo("ESTIMATED");
      assertThat(event.path("errorType").isNull()).isTrue();
      assertThat(event.path("attributes").path("tally.stream.completed").asString())
          .isEqualTo("false");
      // the session keeps what was delivered: the question and the part of the answer sent (kept
      // just after the event is handed over, so wait for it)
      String sessionId = event.path("sessionId").asString();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  api.post("/api/chat/sessions/" + sessionId + "/summary", key)
                      .json()
                      .path("summary")
                      .asString(),
              summary -> summary.contains("I answered once"));
      // exactly once: nothing else is recorded for the stream, as success or error
      await()
          .during(Duration.ofMillis(300))
          .atMost(WAIT)
          .until(
              () ->
                  api.get("/api/usage/events?operation=chat&subject=" + user, Api.ADMIN_KEY)
                      .json()
                      .path("events")
                      .size(),
              n -> n == 1);
    }

    @Test
    void aStreamToASessionOfSomeoneElseIsA404ProblemBeforeAnyEvent() {
      String key = api.newUser(uniqueUser("intruder"));

      Sse.Streamed s = new Sse(port).chat(key, "hello", "not-my-session");

      assertThat(s.status()).isEqualTo(404);
      assertThat(s.contentType()).startsWith("application/problem+json");
      assertThat(s.events()).isEmpty();
    }
  }
}
