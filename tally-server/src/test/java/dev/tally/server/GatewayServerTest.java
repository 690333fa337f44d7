package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible gateway on a real port, driven by OpenAI's official Java SDK, with fake
 * OpenAI upstreams (real local HTTP servers) and the built-in echo: what the SDK sees, what the
 * upstream receives, and exactly which usage events reach the ledger.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestClock.Config.class)
@ExtendWith(OutputCaptureExtension.class)
class GatewayServerTest {
  static final String UPSTREAM_KEY = "sk-tally-upstream-secret-7f3a9c0e5b1d4862";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final FakeUpstream fake = new FakeUpstream();
  static final FakeUpstream flaky = new FakeUpstream();
  static final FakeUpstream backup = new FakeUpstream();
  static final FakeUpstream leaky = new FakeUpstream();
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
    registry.add("tally.server.model.echo.stream-delay", () -> "5ms");
    // the upstream key "from the environment": any property source the Environment reads
    registry.add("TALLY_TEST_UPSTREAM_KEY", () -> UPSTREAM_KEY);
    String u = "tally.server.gateway.upstreams.";
    registry.add(u + "fake.base-url", fake::baseUrl);
    registry.add(u + "fake.api-key-env", () -> "TALLY_TEST_UPSTREAM_KEY");
    registry.add(u + "fake.models", () -> "gpt-test*,text-embedding-test");
    registry.add(u + "fake.aliases.fast", () -> "gpt-test-mini");
    registry.add(u + "flaky.base-url", flaky::baseUrl);
    registry.add(u + "flaky.api-key-env", () -> "TALLY_TEST_UPSTREAM_KEY");
    registry.add(u + "flaky.models", () -> "flaky-model");
    registry.add(u + "flaky.fallback", () -> "backup");
    registry.add(u + "backup.base-url", backup::baseUrl);
    registry.add(u + "backup.api-key-env", () -> "TALLY_TEST_UPSTREAM_KEY");
    registry.add(u + "backup.models", () -> "backup-model");
    registry.add(u + "leaky.base-url", leaky::baseUrl);
    registry.add(u + "leaky.api-key-env", () -> "TALLY_TEST_UPSTREAM_KEY");
    registry.add(u + "leaky.models", () -> "leaky-model");
    registry.add("tally.server.gateway.limits.key.rpm", () -> "60");
    registry.add("tally.server.gateway.limits.key.tpm", () -> "50000");
  }

  @LocalServerPort int port;
  @Autowired TestClock clock;

  Api api;
  final JsonMapper json = JsonMapper.builder().build();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void setUp() {
    api = new Api(port);
    fake.mode(FakeUpstream.Mode.OK);
    flaky.mode(FakeUpstream.Mode.FAIL_500);
    backup.mode(FakeUpstream.Mode.OK);
    leaky.mode(FakeUpstream.Mode.ECHO_KEY_401);
  }

  @AfterAll
  static void stopUpstreams() {
    fake.close();
    flaky.close();
    backup.close();
    leaky.close();
  }

  /** A new user and key; returns {user, key, keyId}. */
  String[] newKey() {
    String user = "gw-" + USERS.incrementAndGet();
    String key = api.newUser(user);
    String keyId =
        api.get("/api/admin/users/" + user + "/keys", Api.ADMIN_KEY)
            .json()
            .get(0)
            .path("id")
            .asString();
    return new String[] {user, key, keyId};
  }

  OpenAIClient sdk(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + port + "/v1")
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  /** Waits until the user has exactly {@code count} events of the operation, and returns them. */
  JsonNode events(String user, String operation, int count) {
    JsonNode events =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    api.get(
                            "/api/usage/events?operation=" + operation + "&subject=" + user,
                            Api.ADMIN_KEY)
                        .json()
                        .path("events"),
                e -> e.size() >= count);
    assertThat(events).hasSize(count);
    return events;
  }

  /** Exactly these events and no more, a moment later too. */
  JsonNode exactly(String user, String operation, int count) {
    events(user, operation, count);
    await()
        .during(Duration.ofMillis(200))
        .atMost(WAIT)
        .until(
            () ->
                api.get(
                        "/api/usage/events?operation=" + operation + "&subject=" + user,
                        Api.ADMIN_KEY)
                    .json()
                    .path("events")
                    .size(),
            n -> n == count);
    return events(user, operation, count);
  }

  static ChatCompletionCreateParams.Builder chat(String model, String message) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(message);
  }

  @Test
  void sdkChatThroughAnAliasPassesUnknownFieldsBothWaysAndRecordsReportedUsagePerKey() {
    String[] k = newKey();
    HttpResponseFor<ChatCompletion> raw =
        sdk(k[1])
            .chat()
            .completions()
            .withRawResponse()
            .create(
                chat("fast", "hello gateway")
                    .putAdditionalBodyProperty("x_client_extra", JsonValue.from(Map.of("a", 1)))
                    .build());
    ChatCompletion completion = raw.parse();

    assertThat(completion.choices().get(0).message().content()).contains("Hello from upstream");
    CompletionUsage usage = completion.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(120);
    assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).contains(100L);
    assertThat(completion._additionalProperties()).containsKey("x_upstream_extra");
    assertThat(raw.headers().values("x-tally-request-id").get(0)).startsWith("req_");
    assertThat(raw.headers().values("x-tally-overhead-ms")).hasSize(1);
    assertThat(raw.headers().values("x-ratelimit-limit-requests")).containsExactly("60");
    assertThat(raw.headers().values("x-ratelimit-remaining-requests")).containsExactly("59");
    JsonNode sent = json.readTree(fake.last().body());
    assertThat(sent.path("model").asString()).isEqualTo("gpt-test-mini");
    assertThat(sent.path("x_client_extra").path("a").asInt()).isEqualTo(1);
    assertThat(fake.last().authorization()).isEqualTo("Bearer " + UPSTREAM_KEY);

    JsonNode event = exactly(k[0], "chat", 1).get(0);
    assertThat(event.path("outcome").asString()).isEqualTo("SUCCESS");
    assertThat(event.path("model").asString()).isEqualTo("gpt-test-mini");
    assertThat(event.path("provider").asString()).isEqualTo("fake");
    assertThat(event.path("tokens").path("source").asString()).isEqualTo("REPORTED");
    assertThat(event.path("tokens").path("input").asLong()).isEqualTo(20);
    assertThat(event.path("tokens").path("cachedInput").asLong()).isEqualTo(100);
    assertThat(event.path("tokens").path("output").asLong()).isEqualTo(20);
    assertThat(event.path("tokens").path("reasoning").asLong()).isEqualTo(10);
    assertThat(event.path("attributes").path("tally.key_id").asString()).isEqualTo(k[2]);
    assertThat(event.path("attributes").path("tally.request_id").asString())
        .isEqualTo(raw.headers().values("x-tally-request-id").get(0));
    assertThat(event.path("attributes").path("tally.gateway.upstream").asString())
        .isEqualTo("fake");
  }

  @Test
  void sdkStreamYieldsContentAndUsageAndTheUsageChunkReachesOnlyClientsThatAskedForIt()
      throws Exception {
    String[] k = newKey();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk(k[1])
            .chat()
            .completions()
            .createStreaming(
                chat("gpt-test-mini", "stream please")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    ChatCompletion streamed = accumulator.chatCompletion();
    assertThat(streamed.choices().get(0).message().content()).contains("Hello from the stream");
    assertThat(streamed.usage().orElseThrow().totalTokens()).isEqualTo(150);

    // Without include_usage: the upstream is asked for it all the same, the client never sees it.
    HttpResponse<String> plain =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + k[1])
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-test-mini\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(plain.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/event-stream");
    assertThat(plain.body()).doesNotContain("\"usage\":{").contains("\"x_upstream_extra\":1");
    assertThat(plain.body()).endsWith("data: [DONE]\n\n");
    assertThat(
            json.readTree(fake.last().body())
                .path("stream_options")
                .path("include_usage")
                .asBoolean())
        .isTrue();

    JsonNode events = exactly(k[0], "chat", 2);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.path("tokens").path("source").asString()).isEqualTo("REPORTED");
              assertThat(e.path("tokens").path("total").asLong()).isEqualTo(150);
              assertThat(e.path("tokens").path("reasoning").asLong()).isEqualTo(10);
              assertThat(e.path("attributes").path("tally.key_id").asString()).isEqualTo(k[2]);
            });
  }

  @Test
  void echoIsABuiltInUpstreamPlainAndStreamedAndItsUsageIsEstimated() {
    String[] k = newKey();
    OpenAIClient client = sdk(k[1]);
    ChatCompletion plain =
        client.chat().completions().create(chat("echo", "one two three").build());
    assertThat(plain.choices().get(0).message().content()).contains("Echo: one two three");

    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(chat("echo", "one two three").build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    assertThat(accumulator.chatCompletion().choices().get(0).message().content())
        .contains("Echo: one two three");

    JsonNode events = exactly(k[0], "chat", 2);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.path("tokens").path("source").asString()).isEqualTo("ESTIMATED");
              assertThat(e.path("tokens").path("total").asLong())
                  .isEqualTo(plain.usage().orElseThrow().totalTokens());
              assertThat(e.path("provider").asString()).isEqualTo("echo");
            });
  }

  @Test
  void sdkEmbeddingsAreTrackedAsOperationEmbeddingsWithInputTokens() {
    String[] k = newKey();
    CreateEmbeddingResponse response =
        sdk(k[1])
            .embeddings()
            .create(
                EmbeddingCreateParams.builder()
                    .model("text-embedding-test")
                    .input("hello")
                    .build());

    assertThat(response.data().get(0).embedding()).containsExactly(0.25f, -0.5f, 0.75f);
    assertThat(response.usage().promptTokens()).isEqualTo(7);
    assertThat(response._additionalProperties()).containsKey("x_upstream_extra");
    JsonNode event = exactly(k[0], "embeddings", 1).get(0);
    assertThat(event.path("tokens").path("input").asLong()).isEqualTo(7);
    assertThat(event.path("tokens").path("output").asLong()).isZero();
    assertThat(event.path("tokens").path("source").asString()).isEqualTo("REPORTED");
    assertThat(event.path("attributes").path("tally.key_id").asString()).isEqualTo(k[2]);
    assertThat(events(k[0], "chat", 0)).isEmpty();
  }

  @Test
  void sdkListsTheConfiguredModelsAndAliases() {
    String[] k = newKey();
    List<String> ids = sdk(k[1]).models().list().data().stream().map(Model::id).toList();
    assertThat(ids).contains("echo", "fast", "text-embedding-test", "flaky-model");
    assertThat(ids).noneMatch(id -> id.endsWith("*"));
  }

  @Test
  void theGatewayViewSumsRequestsTokensAndErrorsPerKeyAndPerModelAndUpstream() {
    String[] k = newKey();
    OpenAIClient client = sdk(k[1]);
    client.chat().completions().create(chat("echo", "one").build());
    client.chat().completions().create(chat("gpt-test-mini", "two").build());
    fake.mode(FakeUpstream.Mode.FAIL_500);
    assertThatThrownBy(
            () -> client.chat().completions().create(chat("gpt-test-mini", "three").build()))
        .isInstanceOf(InternalServerException.class);
    events(k[0], "chat", 3);

    JsonNode view = api.get("/api/usage/me/gateway", k[1]).json();
    assertThat(view.path("events").asInt()).isEqualTo(3);
    JsonNode byKey = view.path("byKey");
    assertThat(byKey).hasSize(1);
    assertThat(byKey.get(0).path("keyId").asString()).isEqualTo(k[2]);
    assertThat(byKey.get(0).path("requests").asLong()).isEqualTo(3);
    assertThat(byKey.get(0).path("errors").asLong()).isEqualTo(1);
    JsonNode fakeRow = null;
    for (JsonNode row : view.path("byModel")) {
      if (row.path("upstream").asString().equals("fake")) {
        fakeRow = row;
      }
    }
    assertThat(fakeRow).isNotNull();
    assertThat(fakeRow.path("requests").asLong()).isEqualTo(2);
    assertThat(fakeRow.path("errors").asLong()).isEqualTo(1);
    assertThat(fakeRow.path("totalTokens").asLong()).isEqualTo(150);
    assertThat(api.get("/api/usage/gateway", k[1]).status()).isEqualTo(403);
    assertThat(
            api.get("/api/usage/gateway?subject=" + k[0], Api.ADMIN_KEY)
                .json()
                .path("events")
                .asInt())
        .isEqualTo(3);
  }

  @Test
  void aRevokedKeyIsTheSdksAuthenticationErrorAndLeavesNoUsage() {
    String[] k = newKey();
    OpenAIClient client = sdk(k[1]);
    client.chat().completions().create(chat("echo", "before").build());
    assertThat(api.delete("/api/admin/users/" + k[0] + "/keys/" + k[2], Api.ADMIN_KEY).status())
        .isEqualTo(204);

    assertThatThrownBy(() -> client.chat().completions().create(chat("echo", "after").build()))
        .isInstanceOf(UnauthorizedException.class)
        .hasMessageContaining("Incorrect API key");
    exactly(k[0], "chat", 1);
    assertThatThrownBy(() -> sdk("tly_not-a-key").models().list())
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void overBudgetIsTheSdksRateLimitErrorWithRetryAfterAndNoUpstreamCall() {
    String[] k = newKey();
    assertThat(
            api.put(
                    "/api/budgets/gw-" + k[0],
                    Api.ADMIN_KEY,
                    Map.of(
                        "subject", k[0], "measure", "TOKENS", "limit", 100, "window", "DAY",
                        "action", "BLOCK"))
                .status())
        .isEqualTo(200);
    OpenAIClient client = sdk(k[1]);
    client.chat().completions().create(chat("gpt-test-mini", "spend it").build());
    events(k[0], "chat", 1);
    int before = fake.served();

    RateLimitException refused =
        (RateLimitException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> client.chat().completions().create(chat("gpt-test-mini", "more").build()));
    assertThat(refused).isNotNull();
    assertThat(refused.headers().values("Retry-After")).hasSize(1);
    assertThat(refused.body().toString()).contains("insufficient_quota");
    assertThat(fake.served()).isEqualTo(before);
    exactly(k[0], "chat", 1);
  }

  @Test
  void anUpstream500WithoutFallbackIsPassedOnAndRecordedAsOneFailure() {
    String[] k = newKey();
    fake.mode(FakeUpstream.Mode.FAIL_500);
    assertThatThrownBy(
            () -> sdk(k[1]).chat().completions().create(chat("gpt-test-mini", "boom").build()))
        .isInstanceOf(InternalServerException.class)
        .hasMessageContaining("upstream exploded");

    JsonNode event = exactly(k[0], "chat", 1).get(0);
    assertThat(event.path("outcome").asString()).isEqualTo("ERROR");
    assertThat(event.path("errorType").asString()).isEqualTo("upstream.http_500");
    assertThat(event.path("attributes").path("tally.gateway.upstream").asString())
        .isEqualTo("fake");
    assertThat(event.path("attributes").has("tally.gateway.fallback_from")).isFalse();
  }

  @Test
  void anUpstream500WithAFallbackIsAnsweredByTheFallbackAndTheAttemptIsRecorded() {
    String[] k = newKey();
    int flakyBefore = flaky.served();
    ChatCompletion completion =
        sdk(k[1]).chat().completions().create(chat("flaky-model", "try twice").build());

    assertThat(completion.choices().get(0).message().content()).contains("Hello from upstream");
    assertThat(flaky.served()).isEqualTo(flakyBefore + 1);
    JsonNode event = exactly(k[0], "chat", 1).get(0);
    assertThat(event.path("outcome").asString()).isEqualTo("SUCCESS");
    assertThat(event.path("tokens").path("source").asString()).isEqualTo("REPORTED");
    assertThat(event.path("attributes").path("tally.gateway.upstream").asString())
        .isEqualTo("backup");
    assertThat(event.path("attributes").path("tally.gateway.fallback_from").asString())
        .isEqualTo("flaky");
    assertThat(event.path("attributes").path("tally.gateway.first_error").asString())
        .isEqualTo("http_500");
  }

  @Test
  void rpm60LetsExactly60Of128ConcurrentRequestsThroughAndRefusesTheRestInOpenAisShape()
      throws Exception {
    String[] k = newKey();
    clock.pin(Instant.now()); // no refill while the clients run
    try {
      ExecutorService clients = Executors.newFixedThreadPool(32);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        answers.add(
            clients.submit(
                () -> {
                  start.await();
                  return post(
                      k[1],
                      "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                }));
      }
      start.countDown();
      int ok = 0;
      int refused = 0;
      for (Future<HttpResponse<String>> f : answers) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        if (r.statusCode() == 200) {
          ok++;
        } else {
          assertThat(r.statusCode()).isEqualTo(429);
          JsonNode error = json.readTree(r.body()).path("error");
          assertThat(error.path("type").asString()).isEqualTo("requests");
          assertThat(error.path("code").asString()).isEqualTo("rate_limit_exceeded");
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
          assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
          refused++;
        }
      }
      clients.shutdown();
      assertThat(ok).isEqualTo(60);
      assertThat(refused).isEqualTo(68);
      assertThatThrownBy(() -> sdk(k[1]).chat().completions().create(chat("echo", "x").build()))
          .isInstanceOf(RateLimitException.class);
    } finally {
      clock.reset();
    }
    exactly(k[0], "chat", 60);
  }

  @Test
  void tokensPerMinuteRefuseTheRequestAfterTheOneThatUsedThemUp() throws Exception {
    String[] k = newKey();
    clock.pin(Instant.now());
    try {
      String body =
          "{\"model\":\"gpt-test-big\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      assertThat(post(k[1], body).statusCode()).isEqualTo(200);
      HttpResponse<String> second = post(k[1], body);
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(json.readTree(second.body()).path("error").path("type").asString())
          .isEqualTo("tokens");
      assertThat(second.headers().firstValue("x-ratelimit-limit-tokens")).contains("50000");
    } finally {
      clock.reset();
    }
    exactly(k[0], "chat", 1);
  }

  @Test
  void everyErrorUnderV1IsOpenAiShapedWhileTheRestOfTheServerKeepsProblemJson() throws Exception {
    String[] k = newKey();
    HttpResponse<String> badJson = post(k[1], "{not json");
    HttpResponse<String> noModel = post(k[1], "{\"model\":\"nope\",\"messages\":[]}");
    HttpResponse<String> noAuth =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build(),
            HttpResponse.BodyHandlers.ofString());
    Api.Response unknownPath = api.get("/v1/nothing/here", k[1]);
    Api.Response wrongMethod = api.get("/v1/chat/completions", k[1]);
    HttpResponse<String> tooLarge =
        post(k[1], "{\"model\":\"echo\",\"x\":\"" + "a".repeat(300 * 1024) + "\"}");

    assertThat(badJson.statusCode()).isEqualTo(400);
    assertThat(noModel.statusCode()).isEqualTo(404);
    assertThat(json.readTree(noModel.body()).path("error").path("code").asString())
        .isEqualTo("model_not_found");
    assertThat(noAuth.statusCode()).isEqualTo(401);
    assertThat(unknownPath.status()).isEqualTo(404);
    assertThat(wrongMethod.status()).isEqualTo(404);
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    for (String body :
        List.of(
            badJson.body(),
            noModel.body(),
            noAuth.body(),
            unknownPath.body(),
            wrongMethod.body(),
            tooLarge.body())) {
      JsonNode error = json.readTree(body).path("error");
      assertThat(error.path("message").asString()).isNotBlank();
      assertThat(error.path("type").asString()).isNotBlank();
      assertThat(body).doesNotContain("\"title\"").doesNotContain("Exception");
    }
    assertThat(noAuth.headers().firstValue("x-tally-request-id")).isPresent();
    assertThat(api.get("/api/nothing", k[1]).contentType()).startsWith("application/problem+json");
    assertThat(events(k[0], "chat", 0)).isEmpty();
    // /v1 is not in http.server.requests; its errors are counted by status instead
    String metrics = api.get("/actuator/prometheus", Api.ADMIN_KEY).body();
    assertThat(metrics)
        .contains("tally_gateway_errors_total{status=\"400\"}")
        .contains("tally_gateway_errors_total{status=\"401\"}")
        .contains("tally_gateway_errors_total{status=\"404\"}")
        .contains("tally_gateway_errors_total{status=\"413\"}")
        .contains("http_server_requests_seconds_count{")
        .doesNotContain("uri=\"/v1");
  }

  @Test
  void aClientThatLeavesAStreamIsRecordedOnceAsCancelledWithItsTokens() throws Exception {
    String[] k = newKey();
    String message = "word ".repeat(400).trim(); // 401 words at 5 ms
    leaveAfterFourEvents(
        k[1],
        "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\""
            + message
            + "\"}]}");

    JsonNode event =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    api.get(
                            "/api/usage/events?operation=chat&outcome=cancelled&subject=" + k[0],
                            Api.ADMIN_KEY)
                        .json()
                        .path("events"),
                e -> e.size() == 1)
            .get(0);
    assertThat(event.path("tokens").path("input").asLong()).isPositive();
    assertThat(event.path("tokens").path("output").asLong()).isPositive();
    assertThat(event.path("attributes").path("tally.key_id").asString()).isEqualTo(k[2]);
    exactly(k[0], "chat", 1);
  }

  @Test
  void aClientThatLeavesAnUpstreamStreamClosesTheUpstreamConnectionAndIsCancelled()
      throws Exception {
    String[] k = newKey();
    fake.mode(FakeUpstream.Mode.ENDLESS);
    int closedBefore = fake.closedByCaller();
    leaveAfterFourEvents(
        k[1],
        "{\"model\":\"gpt-test\",\"stream\":true,\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"Go on forever\"}]}");

    // the gateway closed its upstream connection instead of reading the endless rest of it
    await().atMost(WAIT).until(() -> fake.closedByCaller() > closedBefore);
    JsonNode event =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    api.get(
                            "/api/usage/events?operation=chat&outcome=cancelled&subject=" + k[0],
                            Api.ADMIN_KEY)
                        .json()
                        .path("events"),
                e -> e.size() == 1)
            .get(0);
    assertThat(event.path("tokens").path("output").asLong()).isPositive();
    exactly(k[0], "chat", 1);
  }

  @Test
  void theUpstreamKeyNeverAppearsInLogsEventsErrorsOrActuator(CapturedOutput output)
      throws Exception {
    String[] k = newKey();
    // an upstream that echoes the key it was sent in its error, and one that fails with 500
    HttpResponse<String> leaked =
        post(
            k[1],
            "{\"model\":\"leaky-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    HttpResponse<String> leakedStream =
        post(
            k[1],
            "{\"model\":\"leaky-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    fake.mode(FakeUpstream.Mode.FAIL_500);
    HttpResponse<String> failed =
        post(
            k[1],
            "{\"model\":\"gpt-test-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    // the upstream's 401 is about the gateway's key, not the client's: a 502
    assertThat(leaked.statusCode()).isEqualTo(502);
    assertThat(leakedStream.statusCode()).isEqualTo(502);
    assertThat(json.readTree(leaked.body()).path("error").path("code").asString())
        .isEqualTo("upstream_auth_error");
    assertThat(leaky.last().authorization()).isEqualTo("Bearer " + UPSTREAM_KEY);
    events(k[0], "chat", 3);

    List<String> seen = new ArrayList<>();
    seen.add(leaked.body());
    seen.add(leakedStream.body());
    seen.add(failed.body());
    seen.add(leaked.headers().map().toString());
    seen.add(api.get("/api/usage/events?limit=1000", Api.ADMIN_KEY).body());
    seen.add(api.get("/api/usage/events?limit=1000&operation=http", Api.ADMIN_KEY).body());
    for (String endpoint :
        List.of("health", "info", "metrics", "prometheus", "tally", "env", "configprops")) {
      seen.add(api.get("/actuator/" + endpoint, Api.ADMIN_KEY).body());
    }
    seen.add(api.get("/v3/api-docs", null).body());
    seen.add(output.getAll());
    assertThat(String.join("\n", seen)).doesNotContain(UPSTREAM_KEY).contains("[upstream key]");
  }

  HttpRequest.Builder request(String key) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json");
  }

  HttpResponse<String> post(String key, String body) throws Exception {
    return http.send(
        request(key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Starts a streamed chat completion, reads four data events and closes the connection. */
  private void leaveAfterFourEvents(String key, String body) throws Exception {
    HttpResponse<InputStream> response =
        http.send(
            request(key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      int data = 0;
      String line;
      while (data < 4 && (line = lines.readLine()) != null) {
        if (line.startsWith("data: ")) {
          data++;
        }
      }
    }
    response.body().close();
  }
}
