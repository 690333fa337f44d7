package dev.tally.examples.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The example, unchanged, against a local OpenAI-compatible server: usage appears per user. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringAiChatExampleTest {
  static final HttpServer OPENAI = openAi();
  static final Path DIR = tempDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add(
        "spring.ai.openai.base-url",
        () -> "http://127.0.0.1:" + OPENAI.getAddress().getPort() + "/v1");
    registry.add("spring.ai.openai.api-key", () -> "test-key");
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + DIR.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> DIR.resolve("spool").toString());
  }

  @AfterAll
  static void stop() {
    OPENAI.stop(0);
  }

  @LocalServerPort int port;

  @Test
  void chatCallsAppearInTheLedgerPerUser() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String answer = get(http, "/chat?q=hello", "ana");
    assertThat(answer).isEqualTo("Hello Ana");

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(get(http, "/usage", null))
                    .contains("\"user\":\"ana\"")
                    .contains("\"calls\":1"));
  }

  private String get(HttpClient http, String path, String user) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (user != null) {
      request.header("X-User", user);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static HttpServer openAi() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/v1/chat/completions",
          exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body =
                ("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1700000000,"
                        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                        + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello Ana\"},"
                        + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":3,\"total_tokens\":23}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("tally-example");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
