package dev.tally.springai;

import static dev.tally.springai.FakeOpenAi.chunk;
import static dev.tally.springai.FakeOpenAi.finish;
import static dev.tally.springai.FakeOpenAi.usage;
import static dev.tally.springai.FakeOpenAi.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.UsageEvent;
import dev.tally.springai.FakeOpenAi.Reply;
import io.micrometer.observation.ObservationRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * A real MVC request by an authenticated user whose controller returns {@code ChatClient.stream()}
 * subscribed on a Reactor thread: the event names that user.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    classes = MvcStreamSubjectTest.App.class,
    properties = {"tally.pipeline.flush-interval=5ms"})
class MvcStreamSubjectTest {
  static final FakeOpenAi OPENAI = start();
  static final Path DIR = tempDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("fake.url", OPENAI::baseUrl);
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + DIR.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> DIR.resolve("spool").toString());
  }

  @AfterAll
  static void stop() {
    OPENAI.close();
  }

  @LocalServerPort int port;
  @Autowired ApplicationContext context;

  @Test
  void streamOnAReactorThreadRecordsTheRequestsUser() throws Exception {
    OPENAI.reply(
        Reply.stream(List.of(chunk("Hi "), chunk("Bob"), finish(), usageChunk(usage(9, 0, 2, 0)))));
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/chat?q=hello"))
                    .header("X-Test-User", "bob")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("Hi").contains("Bob");

    List<UsageEvent> events = TestLedger.awaitEvents(context, 2);
    List<UsageEvent> chats =
        events.stream().filter(e -> e.operation().equals("chat")).collect(Collectors.toList());
    assertThat(chats).hasSize(1);
    assertThat(chats.get(0).subject()).isEqualTo("bob");
    assertThat(chats.get(0).outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(chats.get(0).tokens().input()).isEqualTo(9);
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean
    OpenAiChatModel openAiChatModel(ObservationRegistry observations) {
      return OpenAiChatModel.builder()
          .options(
              OpenAiChatOptions.builder()
                  .baseUrl(OPENAI.baseUrl())
                  .apiKey("test-key")
                  .model("gpt-4o-mini")
                  .maxRetries(0)
                  .build())
          .observationRegistry(observations)
          .build();
    }

    /** Stands in for Spring Security: the request's user from a header. */
    @Bean
    Filter testAuthentication() {
      return (request, response, chain) -> {
        HttpServletRequest http = (HttpServletRequest) request;
        String user = http.getHeader("X-Test-User");
        chain.doFilter(
            user == null
                ? request
                : new HttpServletRequestWrapper(http) {
                  @Override
                  public Principal getUserPrincipal() {
                    return () -> user;
                  }
                },
            response);
      };
    }

    @Bean
    ChatController chatController(ChatClient.Builder builder) {
      return new ChatController(builder.build());
    }
  }

  @RestController
  static class ChatController {
    private final ChatClient client;

    ChatController(ChatClient client) {
      this.client = client;
    }

    @GetMapping("/chat")
    Flux<String> chat(@RequestParam String q) {
      return client.prompt().user(q).stream().content().subscribeOn(Schedulers.boundedElastic());
    }
  }

  private static FakeOpenAi start() {
    try {
      return new FakeOpenAi();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("tally-spring-ai-mvc");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
