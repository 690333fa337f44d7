package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Budgets per API key on the gateway, and one ledger event per gateway request, on a real port with
 * OpenAI's official Java SDK and a fake OpenAI upstream (a real local HTTP server). Key spend is
 * read from the ledger on every request here ({@code key-budget-refresh=0s}), so the refusal
 * follows the stored event exactly; serving a reading for the refresh interval is {@code
 * KeySpendTest}'s.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayKeyBudgetServerTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final FakeUpstream fake = new FakeUpstream();
  static final AtomicInteger USERS = new AtomicInteger();

  @TempDir static Path data;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
    registry.add("tally.server.metrics-key", () -> "");
    registry.add("tally.server.gateway.upstreams.fake.base-url", fake::baseUrl);
    registry.add("tally.server.gateway.upstreams.fake.models", () -> "gpt-test*");
    registry.add("tally.server.gateway.key-budget-refresh", () -> "0s");
    registry.add("tally.server.gateway.key-budget-alert-interval", () -> "100ms");
  }

  @LocalServerPort int port;
  Api api;

  @BeforeEach
  void setUp() {
    api = new Api(port);
    fake.mode(FakeUpstream.Mode.OK);
  }

  @AfterAll
  static void stopUpstream() {
    fake.close();
  }

  OpenAIClient sdk(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + port + "/v1")
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  static ChatCompletionCreateParams chat(String message) {
    return ChatCompletionCreateParams.builder()
        .model("gpt-test-mini")
        .addUserMessage(message)
        .build();
  }

  /** The user's events of an operation once there are {@code count}, and still {@code count}. */
  JsonNode exactly(String user, String operation, int count) {
    String path = "/api/usage/events?operation=" + operation + "&subject=" + user;
    await()
        .atMost(WAIT)
        .until(() -> api.get(path, Api.ADMIN_KEY).json().path("events").size(), n -> n >= count);
    await()
        .during(Duration.ofMillis(200))
        .atMost(WAIT)
        .until(() -> api.get(path, Api.ADMIN_KEY).json().path("events").size(), n -> n == count);
    return api.get(path, Api.ADMIN_KEY).json().path("events");
  }

  String keyId(String user, int index) {
    return api.get("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY)
        .json()
        .get(index)
        .path("id")
        .asString();
  }

  @Test
  void aKeyOverItsBudgetIsTheSdksRateLimitErrorWhileTheUsersOtherKeyGoesOn() {
    String user = "kb-" + USERS.incrementAndGet();
    String first = api.newUser(user);
    String second =
        api.post("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY).json().path("key").asString();
    String firstId = keyId(user, 0);
    String budget = "kb-" + firstId;
    Api.Response defined =
        api.put(
            "/api/budgets/" + budget,
            Api.ADMIN_KEY,
            Map.of(
                "subject",
                "key:" + firstId,
                "measure",
                "TOKENS",
                "limit",
                100,
                "window",
                "DAY",
                "action",
                "BLOCK"));
    assertThat(defined.status()).isEqualTo(200);
    assertThat(defined.json().path("subject").asString()).isEqualTo("key:" + firstId);

    sdk(first).chat().completions().create(chat("spend it")); // 150 tokens, the first is admitted
    exactly(user, "chat", 1);
    int served = fake.served();

    RateLimitException refused =
        catchThrowableOfType(
            RateLimitException.class, () -> sdk(first).chat().completions().create(chat("more")));
    assertThat(refused).isNotNull();
    assertThat(refused.headers().values("Retry-After")).hasSize(1);
    assertThat(Long.parseLong(refused.headers().values("Retry-After").get(0))).isPositive();
    assertThat(refused.body().toString()).contains("insufficient_quota");
    assertThat(refused.getMessage()).contains("API key").contains(budget).contains("150 of 100");
    assertThat(fake.served()).isEqualTo(served);

    // the user is not over anything: their other key goes on
    ChatCompletion other = sdk(second).chat().completions().create(chat("other key"));
    assertThat(other.choices()).isNotEmpty();
    JsonNode events = exactly(user, "chat", 2);
    assertThat(events)
        .extracting(e -> e.path("attributes").path("tally.key_id").asString())
        .containsExactlyInAnyOrder(firstId, keyId(user, 1));

    JsonNode status = api.get("/api/budgets/" + budget + "/status", Api.ADMIN_KEY).json();
    assertThat(status.path("spent").decimalValue()).isEqualByComparingTo("150");
    assertThat(status.path("blocking").asBoolean()).isTrue();
  }

  @Test
  void aBudgetForAKeyThatDoesNotExistIsRefusedNamingTheSubject() {
    Api.Response refused =
        api.put(
            "/api/budgets/kb-nobody",
            Api.ADMIN_KEY,
            Map.of(
                "subject",
                "key:key_ffffffffffffffff",
                "measure",
                "TOKENS",
                "limit",
                100,
                "action",
                "BLOCK"));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().path("detail").asString())
        .contains("key:key_ffffffffffffffff")
        .contains("names no API key");
    assertThat(api.get("/api/budgets/kb-nobody", Api.ADMIN_KEY).status()).isEqualTo(404);
  }

  @Test
  void aGatewayRequestIsOneLedgerEventAndNeverAlsoAnHttpEvent() {
    String user = "kb-" + USERS.incrementAndGet();
    String key = api.newUser(user);
    OpenAIClient client = sdk(key);
    client.chat().completions().create(chat("one"));
    client.models().list();
    catchThrowableOfType(
        NotFoundException.class,
        () ->
            client
                .chat()
                .completions()
                .create(
                    ChatCompletionCreateParams.builder()
                        .model("no-such-model")
                        .addUserMessage("refused before the call")
                        .build()));
    // a request outside /v1 is still recorded by the HTTP middleware
    assertThat(api.chat(key, "through /api/chat").status()).isEqualTo(200);

    JsonNode http = exactly(user, "http", 1);
    assertThat(http.get(0).path("attributes").path("http.route").asString()).isEqualTo("/api/chat");
    JsonNode chats = exactly(user, "chat", 2); // the gateway's and /api/chat's own event
    assertThat(chats).filteredOn(e -> e.path("attributes").has("tally.key_id")).hasSize(1);
  }

  @Test
  void aKeyBudgetsThresholdAlertFiresAndTheKeysOwnerSeesItsStatusAndUsage() {
    String user = "kb-" + USERS.incrementAndGet();
    String key = api.newUser(user);
    String keyId = keyId(user, 0);
    String budget = "kb-alert-" + keyId;
    assertThat(
            api.put(
                    "/api/budgets/" + budget,
                    Api.ADMIN_KEY,
                    Map.of(
                        "subject",
                        "key:" + keyId,
                        "measure",
                        "TOKENS",
                        "limit",
                        200,
                        "thresholds",
                        java.util.List.of(50),
                        "action",
                        "ALERT_ONLY"))
                .status())
        .isEqualTo(200);

    sdk(key).chat().completions().create(chat("half of it")); // 150 of 200 tokens

    JsonNode alert =
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  for (JsonNode a : api.get("/api/alerts", Api.ADMIN_KEY).json()) {
                    if (a.path("budgetId").asString().equals(budget)) {
                      return a;
                    }
                  }
                  return null;
                },
                java.util.Objects::nonNull);
    assertThat(alert.path("subject").asString()).isEqualTo("key:" + keyId);
    assertThat(alert.path("threshold").asInt()).isEqualTo(50);
    assertThat(alert.path("spent").decimalValue()).isEqualByComparingTo("150");

    JsonNode mine = api.get("/api/usage/me/budgets", key).json();
    assertThat(mine).hasSize(1);
    assertThat(mine.get(0).path("budgetId").asString()).isEqualTo(budget);
    assertThat(mine.get(0).path("spent").decimalValue()).isEqualByComparingTo("150");
    assertThat(mine.get(0).path("blocking").asBoolean()).isFalse();

    JsonNode view = api.get("/api/usage/me/gateway?keyId=" + keyId, key).json();
    assertThat(view.path("byKey")).hasSize(1);
    assertThat(view.path("byKey").get(0).path("totalTokens").asLong()).isEqualTo(150);
    JsonNode none = api.get("/api/usage/gateway?keyId=key_ffffffffffffffff", Api.ADMIN_KEY).json();
    assertThat(none.path("events").asInt()).isZero();
  }
}
