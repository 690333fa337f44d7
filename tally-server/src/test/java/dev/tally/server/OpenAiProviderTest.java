package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The server with an OpenAI-compatible provider, against a real local fake of the provider:
 * reported usage with cached and reasoning tokens, provider errors (502) and timeouts (504), both
 * tracked as failures, and an unknown model left unpriced.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestClock.Config.class)
class OpenAiProviderTest {
  static final String CATALOG =
      """
      {"version": "test-openai", "currency": "USD", "prices": [
        {"model": "gpt-test*", "effectiveFrom": "2020-01-01", "inputPerMillion": "1000",
         "cachedInputPerMillion": "100", "outputPerMillion": "4000", "reasoningPerMillion": "8000"}
      ]}
      """;
  static final Duration WAIT = Duration.ofSeconds(15);
  static final FakeOpenAi provider = new FakeOpenAi();
  static final AtomicInteger USERS = new AtomicInteger();

  @TempDir static Path data;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
    registry.add(
        "tally.pricing.catalog", () -> EchoServerTest.write(data.resolve("prices.json"), CATALOG));
    registry.add("tally.server.model.provider", () -> "openai");
    registry.add("tally.server.model.openai.base-url", provider::baseUrl);
    registry.add("tally.server.model.openai.api-key", () -> FakeOpenAi.API_KEY);
    registry.add("tally.server.model.openai.model", () -> "gpt-test");
    registry.add("tally.server.model.openai.timeout", () -> "1s");
  }

  @LocalServerPort int port;

  Api api;

  @BeforeEach
  void client() {
    api = new Api(port);
    provider.answerAs("gpt-test-2025-01-01");
  }

  @AfterEach
  void releaseProvider() {
    provider.releaseSlowAnswers();
  }

  @AfterAll
  static void stopProvider() {
    provider.close();
  }

  String newUser() {
    return api.newUser("user-" + USERS.incrementAndGet());
  }

  JsonNode awaitChatEvents(String subject, String outcome, int count) {
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

  @Test
  void reportedUsageIncludesCachedAndReasoningTokensAndIsPricedByCategory() {
    String key = newUser();

    Api.Response r = api.chat(key, "hello provider");

    assertThat(r.status()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("response").asString()).isEqualTo("Hello from the fake provider");
    assertThat(body.path("model").asString()).isEqualTo("gpt-test-2025-01-01");
    JsonNode usage = body.path("usage");
    assertThat(usage.path("source").asString()).isEqualTo("REPORTED");
    assertThat(usage.path("inputTokens").asLong()).isEqualTo(20);
    assertThat(usage.path("cachedInputTokens").asLong()).isEqualTo(100);
    assertThat(usage.path("outputTokens").asLong()).isEqualTo(20);
    assertThat(usage.path("reasoningTokens").asLong()).isEqualTo(10);
    assertThat(usage.path("totalTokens").asLong()).isEqualTo(150);
    // 20 x 1000 + 100 x 100 + 20 x 4000 + 10 x 8000, per million
    assertThat(new BigDecimal(usage.path("cost").asString()))
        .isEqualByComparingTo(new BigDecimal("0.19"));
    assertThat(provider.lastAuthorization()).isEqualTo("Bearer " + FakeOpenAi.API_KEY);
    assertThat(provider.lastBody()).contains("\"model\":\"gpt-test\"").contains("hello provider");

    JsonNode totals =
        await()
            .atMost(WAIT)
            .until(
                () -> api.get("/api/usage/me?operation=chat", key).json().path("totals"),
                t -> t.path("requests").asLong() == 1);
    assertThat(totals.path("cachedInputTokens").asLong()).isEqualTo(100);
    assertThat(totals.path("reasoningTokens").asLong()).isEqualTo(10);
    assertThat(new BigDecimal(totals.path("cost").asString()))
        .isEqualByComparingTo(new BigDecimal("0.19"));
  }

  @Test
  void anonymousChatIsOffByDefaultWithAPaidProvider() {
    Api.Response r = api.chat(null, "free tokens please");

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("detail").asString()).contains("API key");
    assertThat(String.valueOf(provider.lastBody()))
        .as("the provider was not called")
        .doesNotContain("free tokens please");
  }

  @Test
  void aProviderErrorIs502ProblemAndAFailureEvent() {
    String key = newUser();
    String subject = api.get("/api/usage/me", key).json().path("subject").asString();
    provider.fail();

    Api.Response r = api.chat(key, "this will fail");

    assertThat(r.status()).isEqualTo(502);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("detail").asString()).contains("HTTP 500");
    JsonNode event = awaitChatEvents(subject, "error", 1).get(0);
    assertThat(event.path("outcome").asString()).isEqualTo("ERROR");
    assertThat(event.path("errorType").asString()).endsWith("ChatModelException");
    assertThat(event.path("tokens").path("source").asString()).isEqualTo("MISSING");
  }

  @Test
  void aProviderTimeoutIs504ProblemAndAFailureEvent() {
    String key = newUser();
    String subject = api.get("/api/usage/me", key).json().path("subject").asString();
    provider.stall();

    Api.Response r = api.chat(key, "this will time out");

    assertThat(r.status()).isEqualTo(504);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("detail").asString()).contains("did not answer within 1000 ms");
    JsonNode event = awaitChatEvents(subject, "error", 1).get(0);
    assertThat(event.path("errorType").asString()).endsWith("ChatModelTimeoutException");
  }

  @Test
  void aFailedSummaryIsTrackedAsAFailureThroughItsDomainEvent() {
    String key = newUser();
    String subject = api.get("/api/usage/me", key).json().path("subject").asString();
    String session = api.chat(key, "something to summarize").json().path("sessionId").asString();
    provider.fail();

    Api.Response r = api.post("/api/chat/sessions/" + session + "/summary", key);

    assertThat(r.status()).isEqualTo(502);
    JsonNode events =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    api.get("/api/usage/events?operation=summary&subject=" + subject, Api.ADMIN_KEY)
                        .json()
                        .path("events"),
                e -> e.size() == 1);
    assertThat(events.get(0).path("outcome").asString()).isEqualTo("ERROR");
    assertThat(events.get(0).path("sessionId").asString()).isEqualTo(session);
    assertThat(events.get(0).path("model").asString()).isEqualTo("gpt-test");
  }

  @Test
  void anUnknownModelIsUnpricedNeverZero() {
    String key = newUser();
    provider.answerAs("mystery-model");

    JsonNode usage = api.chat(key, "who are you").json().path("usage");

    assertThat(usage.path("priced").asBoolean()).isFalse();
    assertThat(usage.path("cost").isNull()).isTrue();
    assertThat(usage.path("source").asString()).isEqualTo("REPORTED");
    JsonNode totals =
        await()
            .atMost(WAIT)
            .until(
                () -> api.get("/api/usage/me?operation=chat", key).json().path("totals"),
                t -> t.path("requests").asLong() == 1);
    assertThat(totals.path("cost").isNull()).isTrue();
    assertThat(totals.path("unpriced").asLong()).isEqualTo(1);
  }

  /** Streamed chats against the fake provider's server-sent events. */
  @Nested
  class Streaming {
    @Test
    void theUsageChunkGivesReportedExactCountsAndTheRequestAsksForIt() {
      String user = "user-" + USERS.incrementAndGet();
      String key = api.newUser(user);

      Sse.Streamed s = new Sse(port).chat(key, "stream please", null);

      assertThat(s.names())
          .containsExactly("delta", "delta", "delta", "delta", "delta", "usage", "done");
      assertThat(s.text()).isEqualTo("Hello from the fake provider");
      JsonNode summary = s.events().get(5).data();
      assertThat(summary.path("model").asString()).isEqualTo("gpt-test-2025-01-01");
      JsonNode usage = summary.path("usage");
      assertThat(usage.path("source").asString()).isEqualTo("REPORTED");
      assertThat(usage.path("inputTokens").asLong()).isEqualTo(20);
      assertThat(usage.path("cachedInputTokens").asLong()).isEqualTo(100);
      assertThat(usage.path("outputTokens").asLong()).isEqualTo(20);
      assertThat(usage.path("reasoningTokens").asLong()).isEqualTo(10);
      assertThat(new BigDecimal(usage.path("cost").asString()))
          .isEqualByComparingTo(new BigDecimal("0.19"));
      assertThat(provider.lastBody())
          .contains("\"stream\":true")
          .contains("\"stream_options\":{\"include_usage\":true}");
      JsonNode stored = awaitChatEvents(user, "success", 1).get(0);
      assertThat(stored.path("tokens").path("total").asLong()).isEqualTo(150);
      assertThat(stored.path("tokens").path("source").asString()).isEqualTo("REPORTED");
    }

    @Test
    void withoutTheUsageChunkThePromptAndTheDeliveredOutputAreEstimated() {
      String user = "user-" + USERS.incrementAndGet();
      String key = api.newUser(user);
      provider.answerWithoutUsage();

      Sse.Streamed s = new Sse(port).chat(key, "stream please", null);

      assertThat(s.names()).endsWith("usage", "done");
      JsonNode usage = s.events().get(s.events().size() - 2).data().path("usage");
      assertThat(usage.path("source").asString()).isEqualTo("ESTIMATED");
      assertThat(usage.path("inputTokens").asLong()).isPositive();
      assertThat(usage.path("outputTokens").asLong()).isPositive();
      JsonNode stored = awaitChatEvents(user, "success", 1).get(0);
      assertThat(stored.path("tokens").path("source").asString()).isEqualTo("ESTIMATED");
      assertThat(stored.path("tokens").path("input").asLong()).isPositive();
      assertThat(stored.path("tokens").path("output").asLong()).isPositive();
    }

    @Test
    void aClientThatLeavesCancelsTheUpstreamAndIsRecordedOnceAsCancelled() {
      String user = "user-" + USERS.incrementAndGet();
      String key = api.newUser(user);
      provider.streamEndlessly();

      Sse.Streamed s = new Sse(port).chat(key, "stream forever", null, 3);

      assertThat(s.names()).containsExactly("delta", "delta", "delta");
      // cancel, not drain (STREAMING.md): the server closes the provider's response
      await().atMost(WAIT).until(provider::upstreamCancelled);
      JsonNode stored = awaitChatEvents(user, "cancelled", 1).get(0);
      assertThat(stored.path("tokens").path("source").asString()).isEqualTo("ESTIMATED");
      assertThat(stored.path("tokens").path("input").asLong()).isPositive();
      assertThat(stored.path("tokens").path("output").asLong()).isPositive();
      assertThat(stored.path("model").asString()).isEqualTo("gpt-test-2025-01-01");
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
    void anUpstreamErrorMidStreamEndsWithAnErrorEventAndAFailureWithThePartialTokens() {
      String user = "user-" + USERS.incrementAndGet();
      String key = api.newUser(user);
      provider.fail();

      Sse.Streamed s = new Sse(port).chat(key, "stream please", null);

      assertThat(s.names()).containsExactly("delta", "delta", "error");
      JsonNode problem = s.last().data();
      assertThat(problem.path("status").asInt()).isEqualTo(502);
      assertThat(problem.path("detail").asString()).contains("overloaded");
      JsonNode stored = awaitChatEvents(user, "error", 1).get(0);
      assertThat(stored.path("tokens").path("output").asLong()).isPositive();
      assertThat(stored.path("tokens").path("input").asLong()).isPositive();
      assertThat(stored.path("tokens").path("source").asString()).isEqualTo("ESTIMATED");
    }

    @Test
    void anUpstreamThatDoesNotAnswerInTimeEndsWithA504ErrorEvent() {
      String user = "user-" + USERS.incrementAndGet();
      String key = api.newUser(user);
      provider.stall();

      Sse.Streamed s = new Sse(port).chat(key, "stream please", null);

      assertThat(s.names()).containsExactly("error");
      assertThat(s.last().data().path("status").asInt()).isEqualTo(504);
      JsonNode stored = awaitChatEvents(user, "error", 1).get(0);
      assertThat(stored.path("tokens").path("input").asLong()).isPositive();
    }
  }
}
