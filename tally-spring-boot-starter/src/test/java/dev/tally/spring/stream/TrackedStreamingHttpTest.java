package dev.tally.spring.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.test.RecordingUsageTracker;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code @TrackUsage} on methods returning {@code SseEmitter}, {@code ResponseBodyEmitter} and
 * {@code Flux}, in a real application on a real port, read by the JDK's HTTP client: a finished
 * stream is one success with the delivered text estimated; a client that reads a little and closes
 * the connection leaves exactly one {@code CANCELLED} event with the tokens delivered.
 */
class TrackedStreamingHttpTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String QUESTION = "Please tell me about tokens";

  @TempDir static Path dir;
  private static ConfigurableApplicationContext context;
  private static RecordingUsageTracker tracker;
  private static int port;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    context =
        new SpringApplicationBuilder(StreamingApp.class)
            .properties(
                Map.<String, Object>of(
                    "server.port", "0",
                    "server.address", "127.0.0.1",
                    "tally.store.url", "jdbc:sqlite:" + dir.resolve("tally.db"),
                    "tally.pipeline.spool-directory", dir.resolve("spool").toString(),
                    "tally.filter.enabled", "false",
                    "spring.datasource.url", "jdbc:sqlite:" + dir.resolve("app.db"),
                    "spring.main.banner-mode", "off"))
            .run();
    port = ((WebServerApplicationContext) context).getWebServer().getPort();
    tracker = context.getBean(RecordingUsageTracker.class);
  }

  @AfterAll
  static void stop() {
    context.close();
  }

  @BeforeEach
  void clear() {
    tracker.clear();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sse", "body", "flux"})
  void aFinishedStreamIsOneSuccessWithThePromptAndTheDeliveredTextEstimated(String kind)
      throws Exception {
    HttpResponse<String> response =
        http.send(request(kind, "alice", 5), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("word1 ").contains("word5 ");
    UsageEvent event = awaitOneEvent(kind);
    assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(event.subject()).isEqualTo("alice");
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    // chars/4: the question (27 characters) and "word1 " .. "word5 " (30 characters), no framing
    assertThat(event.tokens().input()).isEqualTo(7);
    assertThat(event.tokens().output()).isEqualTo(8);
    assertThat(StreamDetails.of(event).orElseThrow().chunks()).isEqualTo(5);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sse", "body", "flux"})
  void aClientThatLeavesMidStreamIsRecordedOnceAsCancelledWithTheTokensDelivered(String kind)
      throws Exception {
    HttpResponse<InputStream> response =
        http.send(request(kind, "bob", -1), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (InputStream body = response.body()) {
      byte[] some = body.readNBytes(64);
      assertThat(new String(some, StandardCharsets.UTF_8)).contains("word1 ");
    } // closing the body before its end closes the connection

    UsageEvent event = awaitOneEvent(kind);
    assertThat(event.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(event.error()).isNull();
    assertThat(event.subject()).isEqualTo("bob");
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().input()).isEqualTo(7);
    assertThat(event.tokens().output()).isPositive();
    assertThat(StreamDetails.of(event).orElseThrow().completed()).isFalse();
  }

  @org.junit.jupiter.api.Test
  void anEmitterTheApplicationCompletesWithAnErrorIsOneFailureWithThePartialTokens()
      throws Exception {
    try {
      http.send(request("broken", "carol", 0), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      // the stream was cut after its headers: what the client sees is not what is tested here
    }

    UsageEvent event = awaitOneEvent("broken");
    assertThat(event.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(event.error().type()).isEqualTo(IllegalStateException.class.getName());
    assertThat(event.tokens().input()).isEqualTo(7);
    assertThat(event.tokens().output()).isEqualTo(3); // "word1 word2 ": 12 characters
  }

  @org.junit.jupiter.api.Test
  void anEmitterSubclassIsTrackedFromItsCallbacksWithoutItsText() throws Exception {
    HttpResponse<String> response =
        http.send(request("custom", "dave", 5), HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).contains("word5 ");
    UsageEvent event = awaitOneEvent("custom");
    assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(event.tokens().input()).isEqualTo(7); // the prompt is still counted
    assertThat(event.tokens().output()).isZero();
  }

  /** Waits for the stream's event, then checks that no second one follows. */
  private static UsageEvent awaitOneEvent(String operation) {
    await().atMost(WAIT).until(() -> tracker.eventsFor(operation), events -> !events.isEmpty());
    await()
        .during(Duration.ofMillis(300))
        .atMost(WAIT)
        .until(() -> tracker.eventsFor(operation), events -> events.size() == 1);
    List<UsageEvent> events = tracker.events();
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  private HttpRequest request(String kind, String user, int words) {
    String q = URLEncoder.encode(QUESTION, StandardCharsets.UTF_8);
    return HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:%d/%s?user=%s&q=%s&words=%d"
                    .formatted(port, kind, user, q, words)))
        .timeout(WAIT)
        .GET()
        .build();
  }
}
