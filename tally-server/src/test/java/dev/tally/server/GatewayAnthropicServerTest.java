package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * An Anthropic upstream behind the gateway, driven by OpenAI's official Java SDK, with a fake
 * Anthropic server (a real local HTTP server speaking the Messages API): what the SDK sees, what
 * Anthropic receives, and the event with every token category, cache writes included.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayAnthropicServerTest {
  static final String ANTHROPIC_KEY = "sk-ant-tally-test-9c1e7a2b5d3f4068";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final FakeAnthropic anthropic = new FakeAnthropic();
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
    registry.add("TALLY_TEST_ANTHROPIC_KEY", () -> ANTHROPIC_KEY);
    String u = "tally.server.gateway.upstreams.claude.";
    registry.add(u + "type", () -> "anthropic");
    registry.add(u + "base-url", anthropic::baseUrl);
    registry.add(u + "api-key-env", () -> "TALLY_TEST_ANTHROPIC_KEY");
    registry.add(u + "models", () -> "claude-test*");
    registry.add(u + "aliases.smart", () -> "claude-test-sonnet");
  }

  @LocalServerPort int port;
  Api api;
  final JsonMapper json = JsonMapper.builder().build();

  @BeforeEach
  void setUp() {
    api = new Api(port);
    anthropic.overloaded(false);
  }

  @AfterAll
  static void stopUpstream() {
    anthropic.close();
  }

  OpenAIClient sdk(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + port + "/v1")
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  static ChatCompletionCreateParams.Builder chat(String message) {
    return ChatCompletionCreateParams.builder()
        .model("smart")
        .addSystemMessage("Be brief.")
        .addUserMessage(message);
  }

  JsonNode exactly(String user, int count) {
    String path = "/api/usage/events?operation=chat&subject=" + user;
    await()
        .atMost(WAIT)
        .until(() -> api.get(path, Api.ADMIN_KEY).json().path("events").size(), n -> n >= count);
    await()
        .during(Duration.ofMillis(200))
        .atMost(WAIT)
        .until(() -> api.get(path, Api.ADMIN_KEY).json().path("events").size(), n -> n == count);
    return api.get(path, Api.ADMIN_KEY).json().path("events");
  }

  static void assertAnthropicTokens(JsonNode event) {
    assertThat(event.path("provider").asString()).isEqualTo("claude"); // the upstream's name
    assertThat(event.path("model").asString()).isEqualTo("claude-test-sonnet");
    JsonNode tokens = event.path("tokens");
    assertThat(tokens.path("source").asString()).isEqualTo("REPORTED");
    assertThat(tokens.path("input").asLong()).isEqualTo(20);
    assertThat(tokens.path("cachedInput").asLong()).isEqualTo(100);
    assertThat(tokens.path("cacheWrite").asLong()).isEqualTo(30);
    assertThat(tokens.path("output").asLong()).isEqualTo(25);
    assertThat(tokens.path("total").asLong()).isEqualTo(175);
  }

  @Test
  void aPlainChatIsTranslatedBothWaysAndRecordedWithCacheReadsAndWrites() {
    String user = "an-" + USERS.incrementAndGet();
    String key = api.newUser(user);

    ChatCompletion completion =
        sdk(key)
            .chat()
            .completions()
            .create(chat("hello claude").temperature(0.5).stop("END").build());

    assertThat(completion.choices().get(0).message().content()).contains("Hello from Claude");
    assertThat(completion.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    CompletionUsage usage = completion.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(150);
    assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).contains(100L);
    assertThat(usage.completionTokens()).isEqualTo(25);
    FakeAnthropic.Request sent = anthropic.last();
    assertThat(sent.apiKey()).isEqualTo(ANTHROPIC_KEY);
    assertThat(sent.version()).isEqualTo("2023-06-01");
    JsonNode body = json.readTree(sent.body());
    assertThat(body.path("model").asString()).isEqualTo("claude-test-sonnet");
    assertThat(body.path("system").asString()).isEqualTo("Be brief.");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(4096);
    assertThat(body.path("stop_sequences").get(0).asString()).isEqualTo("END");
    assertThat(body.path("temperature").asDouble()).isEqualTo(0.5);
    assertThat(body.path("messages")).hasSize(1);
    assertThat(body.path("messages").get(0).path("role").asString()).isEqualTo("user");
    assertThat(body.has("stream")).isFalse();

    assertAnthropicTokens(exactly(user, 1).get(0));
  }

  @Test
  void aStreamIsOpenAiChunksWithTheCumulativeUsageChunkAndRecordedOnce() {
    String user = "an-" + USERS.incrementAndGet();
    String key = api.newUser(user);
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream =
        sdk(key)
            .chat()
            .completions()
            .createStreaming(
                chat("stream please")
                    .maxCompletionTokens(64)
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream().forEach(accumulator::accumulate);
    }

    ChatCompletion streamed = accumulator.chatCompletion();
    assertThat(streamed.choices().get(0).message().content()).contains("Hello from Claude");
    assertThat(streamed.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    CompletionUsage usage = streamed.usage().orElseThrow();
    assertThat(usage.completionTokens()).isEqualTo(25); // message_delta's total, not 1 + 25
    assertThat(usage.totalTokens()).isEqualTo(175);
    JsonNode body = json.readTree(anthropic.last().body());
    assertThat(body.path("stream").asBoolean()).isTrue();
    assertThat(body.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(body.has("stream_options")).isFalse();

    assertAnthropicTokens(exactly(user, 1).get(0));
  }

  @Test
  void anthropicsOverloadedErrorIsTheSdksServerErrorAndOneFailedEventPlainAndStreamed() {
    String user = "an-" + USERS.incrementAndGet();
    String key = api.newUser(user);
    anthropic.overloaded(true);

    InternalServerException plain =
        catchThrowableOfType(
            InternalServerException.class,
            () -> sdk(key).chat().completions().create(chat("busy?").build()));
    assertThat(plain).isNotNull();
    assertThat(plain.statusCode()).isEqualTo(529);
    assertThat(plain.getMessage()).contains("Overloaded");
    InternalServerException streamed =
        catchThrowableOfType(
            InternalServerException.class,
            () -> {
              try (StreamResponse<ChatCompletionChunk> s =
                  sdk(key).chat().completions().createStreaming(chat("busy?").build())) {
                s.stream().forEach(c -> {});
              }
            });
    assertThat(streamed).isNotNull();
    assertThat(streamed.getMessage()).contains("Overloaded");

    JsonNode events = exactly(user, 2);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.path("outcome").asString()).isEqualTo("ERROR");
              assertThat(e.path("errorType").asString()).isEqualTo("upstream.http_529");
            });
    String everything = api.get("/api/usage/events?limit=1000", Api.ADMIN_KEY).body();
    assertThat(everything + plain.getMessage() + streamed.getMessage())
        .doesNotContain(ANTHROPIC_KEY);
  }

  @Test
  void whatCannotBeTranslatedIsA400BeforeAnythingIsSentOrRecorded() {
    String user = "an-" + USERS.incrementAndGet();
    String key = api.newUser(user);
    int before = anthropic.requests().size();

    BadRequestException tools =
        catchThrowableOfType(
            BadRequestException.class,
            () ->
                sdk(key)
                    .chat()
                    .completions()
                    .create(
                        chat("use a tool")
                            .putAdditionalBodyProperty(
                                "tools",
                                JsonValue.from(
                                    List.of(
                                        Map.of(
                                            "type",
                                            "function",
                                            "function",
                                            Map.of("name", "lookup")))))
                            .build()));
    BadRequestException embeddings =
        catchThrowableOfType(
            BadRequestException.class,
            () ->
                sdk(key)
                    .embeddings()
                    .create(EmbeddingCreateParams.builder().model("smart").input("x").build()));

    assertThat(tools).isNotNull();
    assertThat(tools.getMessage()).contains("tools are not translated");
    assertThat(embeddings).isNotNull();
    assertThat(embeddings.getMessage()).contains("no embeddings");
    assertThat(anthropic.requests()).hasSize(before);
    exactly(user, 0);
  }
}
