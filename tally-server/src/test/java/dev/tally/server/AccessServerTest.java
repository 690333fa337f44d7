package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
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
 * Who may do what, over real HTTP into SQLite files: API keys (create, list, revoke, expire),
 * sessions (issued by the server, owned by their creator, deleted on request and after their time
 * to live), anonymous callers, user ids ignoring case, and the actuator behind a key. One
 * application context with the echo model serves every nested group.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestClock.Config.class)
class AccessServerTest {
  static final String METRICS_KEY =
      "ad96756cc41e66005d857846dac6038a25c37368e27b54c50bfbdba64d119776";
  static final AtomicInteger USERS = new AtomicInteger();

  @TempDir static Path data;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
    registry.add("tally.server.metrics-key", () -> METRICS_KEY);
    registry.add("tally.server.chat.session-sweep-interval", () -> "100ms");
    // Long, so that no batch write of lastUsedAt lands inside a test (KeyUsageTest covers them).
    registry.add("tally.server.keys.last-used-interval", () -> "1h");
  }

  @LocalServerPort int port;
  @Autowired TestClock clock;
  @Autowired JdbcClient db;

  Api api;

  @BeforeEach
  void client() {
    api = new Api(port);
  }

  @AfterEach
  void resetClock() {
    clock.reset();
  }

  static String uniqueUser(String name) {
    return name + "-" + USERS.incrementAndGet();
  }

  String sessionOf(Api.Response chat) {
    assertThat(chat.status()).as(chat.body()).isEqualTo(200);
    return chat.json().path("sessionId").asString();
  }

  Api.Response continueChat(String key, String session, String message) {
    return api.post("/api/chat", key, Map.of("message", message, "sessionId", session));
  }

  long storedRows(String session) {
    return db.sql("SELECT COUNT(*) FROM chat_sessions WHERE id = ?")
            .param(session)
            .query(Long.class)
            .single()
        + db.sql("SELECT COUNT(*) FROM chat_messages WHERE session_id = ?")
            .param(session)
            .query(Long.class)
            .single();
  }

  @Nested
  class Keys {
    @Test
    void aCreatedKeyIsShownOnceWithItsIdAndTheListingNeverShowsASecret() throws Exception {
      String user = uniqueUser("kim");
      api.newUser(user);

      Api.Response created = api.post("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY);
      assertThat(created.status()).isEqualTo(201);
      String key = created.json().path("key").asString();
      String id = created.json().path("id").asString();
      assertThat(key).startsWith("tly_");
      assertThat(id).matches("key_[0-9a-f]{16}");
      assertThat(Instant.parse(created.json().path("createdAt").asString())).isNotNull();

      Api.Response listed = api.get("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY);
      assertThat(listed.status()).isEqualTo(200);
      JsonNode keys = listed.json();
      assertThat(keys.size()).isEqualTo(2);
      assertThat(keys.get(1).path("id").asString()).isEqualTo(id);
      for (JsonNode k : keys) {
        assertThat(k.propertyNames())
            .containsExactlyInAnyOrder("id", "createdAt", "lastUsedAt", "expiresAt");
      }
      String sha256 =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(key.getBytes(StandardCharsets.UTF_8)));
      assertThat(listed.body()).doesNotContain(key).doesNotContain(sha256).doesNotContain("tly_");
    }

    @Test
    void lastUsedAtShowsAUseAtOnceWithoutAWritePerRequest() {
      String user = uniqueUser("lee");
      String key = api.newUser(user);
      String id = api.get("/api/me/keys", key).json().get(0).path("id").asString();
      Instant before = Instant.now();

      for (int i = 0; i < 5; i++) {
        assertThat(api.get("/api/me", key).status()).isEqualTo(200);
      }

      JsonNode listed = api.get("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY).json();
      assertThat(Instant.parse(listed.get(0).path("lastUsedAt").asString()))
          .isAfterOrEqualTo(before.minusSeconds(1));
      // Written in a batch once a minute (tally.server.keys.last-used-interval), not per request.
      assertThat(
              db.sql("SELECT last_used_at FROM api_keys WHERE id = ?")
                  .param(id)
                  .query(String.class)
                  .optional())
          .isEmpty();
    }

    @Test
    void aRevokedKeyIs401AtItsNextRequest() {
      String user = uniqueUser("max");
      String key = api.newUser(user);
      assertThat(api.get("/api/me", key).status()).isEqualTo(200);
      String id = api.get("/api/me/keys", key).json().get(0).path("id").asString();

      Api.Response revoked = api.delete("/api/admin/users/" + user + "/keys/" + id, Api.ADMIN_KEY);

      assertThat(revoked.status()).isEqualTo(204);
      Api.Response after = api.get("/api/me", key);
      assertThat(after.status()).isEqualTo(401);
      assertThat(after.contentType()).startsWith("application/problem+json");
      assertThat(api.chat(key, "still there?").status()).isEqualTo(401);
      assertThat(api.get("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY).json().size())
          .isZero();
    }

    @Test
    void rotatingAKeyIsCreatingANewOneAndRevokingTheOld() {
      String user = uniqueUser("nia");
      String old = api.newUser(user);
      String oldId = api.get("/api/me/keys", old).json().get(0).path("id").asString();

      String fresh =
          api.post("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY)
              .json()
              .path("key")
              .asString();
      assertThat(api.delete("/api/me/keys/" + oldId, fresh).status()).isEqualTo(204);

      assertThat(api.get("/api/me", old).status()).isEqualTo(401);
      assertThat(api.get("/api/me", fresh).json().path("subject").asString()).isEqualTo(user);
    }

    @Test
    void anExpiredKeyIs401() {
      String user = uniqueUser("oda");
      api.newUser(user);
      Instant expiry = Instant.now().plus(Duration.ofHours(1));
      Api.Response created =
          api.post(
              "/api/admin/users/" + user + "/keys",
              Api.ADMIN_KEY,
              Map.of("expiresAt", expiry.toString()));
      assertThat(created.status()).isEqualTo(201);
      assertThat(Instant.parse(created.json().path("expiresAt").asString())).isEqualTo(expiry);
      String key = created.json().path("key").asString();
      assertThat(api.get("/api/me", key).status()).isEqualTo(200);

      clock.pin(expiry.plusSeconds(1));

      Api.Response expired = api.get("/api/me", key);
      assertThat(expired.status()).isEqualTo(401);
      assertThat(expired.contentType()).startsWith("application/problem+json");
    }

    @Test
    void anExpiryThatIsNotAFutureInstantIs400NamingIt() {
      String user = uniqueUser("pia");
      api.newUser(user);

      for (String expiresAt : List.of("2020-01-01T00:00:00Z", "tomorrow")) {
        Api.Response r =
            api.post(
                "/api/admin/users/" + user + "/keys",
                Api.ADMIN_KEY,
                Map.of("expiresAt", expiresAt));
        assertThat(r.status()).as(expiresAt).isEqualTo(400);
        assertThat(r.json().path("detail").asString()).as(expiresAt).startsWith("expiresAt must");
      }
    }

    @Test
    void aUserListsAndRevokesOnlyTheirOwnKeys() {
      String rae = uniqueUser("rae");
      String raeKey = api.newUser(rae);
      String samKey = api.newUser(uniqueUser("sam"));
      String samKeyId = api.get("/api/me/keys", samKey).json().get(0).path("id").asString();

      JsonNode own = api.get("/api/me/keys", raeKey).json();
      assertThat(own.size()).isEqualTo(1);
      assertThat(own.get(0).path("id").asString()).isNotEqualTo(samKeyId);
      assertThat(api.delete("/api/me/keys/" + samKeyId, raeKey).status()).isEqualTo(404);
      assertThat(api.get("/api/me", samKey).status()).isEqualTo(200);
      assertThat(api.get("/api/me/keys", null).status()).isEqualTo(401);
      assertThat(api.get("/api/admin/users/" + rae + "/keys", raeKey).status()).isEqualTo(403);
      assertThat(
              api.delete("/api/admin/users/" + rae + "/keys/" + samKeyId, Api.ADMIN_KEY).status())
          .isEqualTo(404);
      assertThat(api.get("/api/admin/users/nobody-at-all/keys", Api.ADMIN_KEY).status())
          .isEqualTo(404);
    }
  }

  @Nested
  class UserIds {
    @Test
    void userIdsAreUniqueIgnoringCase() {
      String zed = uniqueUser("Zed");
      api.newUser(zed);

      Api.Response clash =
          api.post("/api/admin/users", Api.ADMIN_KEY, Map.of("id", zed.toLowerCase()));

      assertThat(clash.status()).isEqualTo(409);
      assertThat(clash.contentType()).startsWith("application/problem+json");
      assertThat(clash.json().path("detail").asString())
          .contains("'" + zed + "'")
          .contains("unique ignoring case");
      assertThat(api.post("/api/admin/users", Api.ADMIN_KEY, Map.of("id", "ADMIN")).status())
          .isEqualTo(409);
      assertThat(api.post("/api/admin/users", Api.ADMIN_KEY, Map.of("id", "Anonymous")).status())
          .isEqualTo(400);
    }
  }

  @Nested
  class Sessions {
    @Test
    void sessionIdsAreIssuedByTheServerWith128RandomBits() {
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        ids.add(sessionOf(api.chat(null, "hello " + i)));
      }

      assertThat(ids).hasSize(5).allSatisfy(id -> assertThat(id).matches("[A-Za-z0-9_-]{22}"));
    }

    @Test
    void aSessionIdThatWasNotIssuedIs404AndIsNotCreated() {
      String key = api.newUser(uniqueUser("squatter"));

      Api.Response anonymous = continueChat(null, "my-chosen-session-id", "hello");
      Api.Response keyed = continueChat(key, "another-chosen-id", "hello");

      assertThat(anonymous.status()).isEqualTo(404);
      assertThat(anonymous.contentType()).startsWith("application/problem+json");
      assertThat(keyed.status()).isEqualTo(404);
      assertThat(storedRows("my-chosen-session-id") + storedRows("another-chosen-id")).isZero();
      assertThat(api.post("/api/chat/sessions/my-chosen-session-id/summary", null).status())
          .isEqualTo(404);
    }

    @Test
    void anotherUsersSessionIs404ToContinueSummarizeAndDelete() {
      String owner = api.newUser(uniqueUser("tia"));
      String other = api.newUser(uniqueUser("uma"));
      String session = sessionOf(api.chat(owner, "my secret plans"));

      assertThat(continueChat(other, session, "let me in").status()).isEqualTo(404);
      assertThat(api.post("/api/chat/sessions/" + session + "/summary", other).status())
          .isEqualTo(404);
      assertThat(api.delete("/api/chat/sessions/" + session, other).status()).isEqualTo(404);
      assertThat(continueChat(owner, session, "still mine").status()).isEqualTo(200);
    }

    @Test
    void anonymousAndKeyedCallersNeverReachEachOthersSessions() {
      String key = api.newUser(uniqueUser("vic"));
      String anonymousSession = sessionOf(api.chat(null, "anonymous secret"));
      String keyedSession = sessionOf(api.chat(key, "keyed secret"));

      assertThat(continueChat(key, anonymousSession, "mine now?").status()).isEqualTo(404);
      assertThat(api.post("/api/chat/sessions/" + anonymousSession + "/summary", key).status())
          .isEqualTo(404);
      assertThat(api.delete("/api/chat/sessions/" + anonymousSession, key).status()).isEqualTo(404);
      assertThat(continueChat(null, keyedSession, "mine now?").status()).isEqualTo(404);
      assertThat(api.post("/api/chat/sessions/" + keyedSession + "/summary", null).status())
          .isEqualTo(404);
      assertThat(api.delete("/api/chat/sessions/" + keyedSession, null).status()).isEqualTo(404);
      // The anonymous caller holding the id it was issued carries on.
      assertThat(continueChat(null, anonymousSession, "still here").status()).isEqualTo(200);
    }

    @Test
    void anAnonymousSessionIsReachedOnlyWithItsIssuedId() {
      String first = sessionOf(api.chat(null, "first caller's secret"));
      String second = sessionOf(api.chat(null, "second caller's secret"));

      // A caller without the other's id has nothing to reach it by: ids are not guessable and no
      // endpoint lists anonymous sessions.
      assertThat(first).isNotEqualTo(second);
      String nearMiss = first.substring(0, 21) + (first.charAt(21) == 'A' ? 'B' : 'A');
      assertThat(continueChat(null, nearMiss, "guess").status()).isEqualTo(404);
      assertThat(api.post("/api/chat/sessions/" + nearMiss + "/summary", null).status())
          .isEqualTo(404);
      assertThat(api.get("/api/usage/me/events", null).status()).isEqualTo(401);
      Api.Response summary = api.post("/api/chat/sessions/" + second + "/summary", null);
      assertThat(summary.json().path("summary").asString())
          .contains("second caller's secret")
          .doesNotContain("first caller's secret");
    }

    @Test
    void deletingASessionRemovesItAndItsMessagesForItsOwnerOnly() {
      String key = api.newUser(uniqueUser("wes"));
      String session = sessionOf(api.chat(key, "forget me"));
      continueChat(key, session, "and this");
      assertThat(storedRows(session)).isEqualTo(5);

      Api.Response deleted = api.delete("/api/chat/sessions/" + session, key);

      assertThat(deleted.status()).isEqualTo(204);
      assertThat(storedRows(session)).isZero();
      assertThat(continueChat(key, session, "hello again").status()).isEqualTo(404);
      assertThat(api.delete("/api/chat/sessions/" + session, key).status()).isEqualTo(404);
    }

    @Test
    void echoSummarizesWhatWasAskedAndAnswered() {
      String key = api.newUser(uniqueUser("xia"));
      String session = sessionOf(api.chat(key, "Hello, I am Xia"));
      continueChat(key, session, "What does Tally track?");
      continueChat(key, session, "Remember me?");

      Api.Response r = api.post("/api/chat/sessions/" + session + "/summary", key);

      assertThat(r.json().path("summary").asString())
          .isEqualTo(
              "You asked about 3 things, first 'Hello, I am Xia' and last 'Remember me?';"
                  + " I answered 3 times.");
    }
  }

  @Nested
  class Retention {
    @Test
    void aSessionExpiresAfterItsTtlAndTheSweepDeletesIt() {
      String key = api.newUser(uniqueUser("yan"));
      Instant start = Instant.now();
      String old = sessionOf(api.chat(key, "an old conversation"));
      clock.pin(start.plus(Duration.ofDays(29)));
      String recent = sessionOf(api.chat(key, "a recent conversation"));

      clock.pin(start.plus(Duration.ofDays(31)));

      assertThat(continueChat(key, old, "are you there?").status()).isEqualTo(404);
      await().atMost(Duration.ofSeconds(10)).until(() -> storedRows(old) == 0);
      assertThat(storedRows(recent)).isEqualTo(3);
      assertThat(continueChat(key, recent, "still here").status()).isEqualTo(200);
    }
  }

  @Nested
  class Actuator {
    @Test
    void healthAnswersAnyoneWithoutDetailsAndTheKeysSeeDetails() {
      Api.Response anonymous = api.get("/actuator/health", null);
      Api.Response withKey = api.get("/actuator/health", METRICS_KEY);

      assertThat(anonymous.status()).isEqualTo(200);
      // The status, and the names of the probe groups (liveness, readiness); no components.
      assertThat(anonymous.json().propertyNames()).containsOnly("status", "groups");
      assertThat(anonymous.json().path("status").asString()).isEqualTo("UP");
      assertThat(anonymous.body()).doesNotContain("components").doesNotContain("details");
      assertThat(api.get("/actuator/health/liveness", null).status()).isEqualTo(200);
      assertThat(withKey.json().has("components")).isTrue();
    }

    @Test
    void everyOtherEndpointNeedsTheMetricsKeyOrTheAdminKey() {
      String userKey = api.newUser(uniqueUser("zoe"));
      for (String path :
          List.of(
              "/actuator",
              "/actuator/prometheus",
              "/actuator/metrics",
              "/actuator/tally",
              "/actuator/info")) {
        Api.Response anonymous = api.get(path, null);
        assertThat(anonymous.status()).as(path).isEqualTo(401);
        assertThat(anonymous.contentType()).as(path).startsWith("application/problem+json");
        assertThat(api.get(path, "wrong-key").status()).as(path).isEqualTo(401);
        assertThat(api.get(path, userKey).status()).as(path).isEqualTo(403);
        assertThat(api.get(path, METRICS_KEY).status()).as(path).isEqualTo(200);
        assertThat(api.get(path, Api.ADMIN_KEY).status()).as(path).isEqualTo(200);
      }
      assertThat(api.get("/actuator/prometheus", METRICS_KEY).body())
          .contains("tally_pipeline_events");
    }

    @Test
    void theMetricsKeyOpensNoApiEndpoint() {
      assertThat(api.get("/api/me", METRICS_KEY).status()).isEqualTo(401);
      assertThat(api.get("/api/usage", METRICS_KEY).status()).isEqualTo(401);
    }
  }
}
