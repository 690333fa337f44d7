package dev.tally.springai;

import static dev.tally.springai.FakeOpenAi.MODEL;
import static dev.tally.springai.FakeOpenAi.chunk;
import static dev.tally.springai.FakeOpenAi.completion;
import static dev.tally.springai.FakeOpenAi.finish;
import static dev.tally.springai.FakeOpenAi.toolCall;
import static dev.tally.springai.FakeOpenAi.usage;
import static dev.tally.springai.FakeOpenAi.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyBudgetAutoConfiguration;
import dev.tally.springai.FakeOpenAi.Reply;
import dev.tally.springai.autoconfigure.TallySpringAiAutoConfiguration;
import io.micrometer.observation.ObservationRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Spring AI's real OpenAiChatModel against a real local HTTP server speaking OpenAI's wire format;
 * events land in a real SQLite ledger.
 */
class OpenAiChatModelTrackingTest {
  @TempDir Path dir;
  private FakeOpenAi openAi;
  private ApplicationContextRunner runner;

  @BeforeEach
  void start() throws Exception {
    openAi = new FakeOpenAi();
    runner =
        new ApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    ObservationAutoConfiguration.class,
                    TallyAutoConfiguration.class,
                    TallyBudgetAutoConfiguration.class,
                    TallySpringAiAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withUserConfiguration(Model.class)
            .withPropertyValues(
                "fake.url=" + openAi.baseUrl(),
                "tally.store.url=jdbc:sqlite:" + dir.resolve("tally.db"),
                "tally.pipeline.spool-directory=" + dir.resolve("spool"),
                "tally.pipeline.flush-interval=5ms");
  }

  @AfterEach
  void stop() {
    openAi.close();
  }

  @Configuration(proxyBeanMethods = false)
  static class Model {
    @Bean
    OpenAiChatModel openAiChatModel(ObservationRegistry observations, Environment env) {
      return OpenAiChatModel.builder()
          .options(
              OpenAiChatOptions.builder()
                  .baseUrl(env.getRequiredProperty("fake.url"))
                  .apiKey("test-key")
                  .model("gpt-4o-mini")
                  .maxRetries(0)
                  .build())
          .observationRegistry(observations)
          .build();
    }

    @Bean
    SubjectResolver subjects() {
      return () -> "alice";
    }
  }

  static final class Weather {
    @Tool(description = "The weather in a city")
    String weather(String city) {
      return "sunny in " + city;
    }
  }

  private void run(ContextTest test) {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          test.accept(context);
        });
  }

  interface ContextTest {
    void accept(AssertableApplicationContext context) throws Exception;
  }

  @Test
  void callRecordsOneEventWithEveryReportedCategory() {
    openAi.reply(Reply.json(completion("Hello there", usage(12, 4, 5, 2))));
    run(
        context -> {
          ChatResponse response = context.getBean(ChatModel.class).call(new Prompt("Say hello"));
          assertThat(response.getResult().getOutput().getText()).isEqualTo("Hello there");

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          UsageEvent event = events.get(0);
          assertThat(event.operation()).isEqualTo("chat");
          assertThat(event.subject()).isEqualTo("alice");
          assertThat(event.model()).isEqualTo(MODEL);
          assertThat(event.provider()).isEqualTo("openai");
          assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
          assertThat(event.tokens()).isEqualTo(new TokenUsage(8, 4, 0, 3, 2, UsageSource.REPORTED));
          assertThat(event.attributes()).containsEntry("gen_ai.request.model", "gpt-4o-mini");
          assertThat(event.content().inputLength()).isEqualTo("Say hello".length());
          assertThat(event.content().inputText()).isNull();
        });
  }

  @Test
  void streamWithUsageChunkIsReported() {
    openAi.reply(
        Reply.stream(
            List.of(
                chunk("Hel"),
                chunk("lo"),
                chunk(" there"),
                finish(),
                usageChunk(usage(12, 0, 5, 0)))));
    run(
        context -> {
          List<ChatResponse> chunks =
              context.getBean(ChatModel.class).stream(new Prompt("Say hello"))
                  .collectList()
                  .block();
          assertThat(chunks).isNotEmpty();

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          UsageEvent event = events.get(0);
          assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
          assertThat(event.model()).isEqualTo(MODEL);
          assertThat(event.subject()).isEqualTo("alice");
          assertThat(event.tokens()).isEqualTo(TokenUsage.reported(12, 5));
          assertThat(event.content().outputLength()).isEqualTo("Hello there".length());
        });
  }

  @Test
  void streamWithoutUsageChunkIsEstimatedFromPromptAndDeliveredText() {
    openAi.reply(Reply.stream(List.of(chunk("Hel"), chunk("lo"), chunk(" there"), finish())));
    run(
        context -> {
          context.getBean(ChatModel.class).stream(new Prompt("Say hello")).blockLast();

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          UsageEvent event = events.get(0);
          assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
          assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
          assertThat(event.tokens().input()).isPositive();
          assertThat(event.tokens().output()).isEqualTo(2); // "Hello there" in o200k_base
          assertThat(event.attributes()).containsEntry("tally.tokens.basis", "estimated");
        });
  }

  @Test
  void chatClientStreamKeepsNativeCategoriesOfTheUsageChunk() {
    openAi.reply(
        Reply.stream(
            List.of(chunk("Hel"), chunk("lo"), finish(), usageChunk(usage(30, 10, 7, 3)))));
    run(
        context -> {
          ChatClient client = context.getBean(ChatClient.Builder.class).build();
          String answer =
              String.join("", client.prompt().user("hi").stream().content().toIterable());
          assertThat(answer).isEqualTo("Hello");

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          assertThat(events.get(0).tokens())
              .isEqualTo(new TokenUsage(20, 10, 0, 4, 3, UsageSource.REPORTED));
        });
  }

  @Test
  void streamCancelledAfterThreeChunksIsCancelledWithTheDeliveredTokens() {
    openAi.reply(
        Reply.held(List.of(chunk("One "), chunk("two "), chunk("three "), chunk("four "))));
    run(
        context -> {
          ChatClient client = context.getBean(ChatClient.Builder.class).build();
          List<String> got =
              client.prompt().user("count").stream().content().take(3).collectList().block();
          assertThat(got).containsExactly("One ", "two ", "three ");

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          UsageEvent event = events.get(0);
          assertThat(event.outcome()).isEqualTo(Outcome.CANCELLED);
          assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
          assertThat(event.tokens().input()).isPositive();
          assertThat(event.tokens().output()).isBetween(3L, 4L);
          assertThat(event.subject()).isEqualTo("alice");
        });
  }

  @Test
  void directModelStreamCancelledIsCancelledWithThePrompt() {
    openAi.reply(Reply.held(List.of(chunk("One "), chunk("two "), chunk("three "))));
    run(
        context -> {
          context.getBean(ChatModel.class).stream(new Prompt("count")).take(3).blockLast();

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          assertThat(events.get(0).outcome()).isEqualTo(Outcome.CANCELLED);
          assertThat(events.get(0).tokens().source()).isEqualTo(UsageSource.ESTIMATED);
          assertThat(events.get(0).tokens().input()).isPositive();
        });
  }

  @Test
  void toolCallingGivesOneEventPerRoundWithItsOwnTokens() {
    openAi
        .reply(Reply.json(toolCall("weather", "{\"city\":\"Paris\"}", usage(20, 0, 8, 0))))
        .reply(Reply.json(completion("It is sunny", usage(40, 16, 3, 0))));
    run(
        context -> {
          ChatClient client = context.getBean(ChatClient.Builder.class).build();
          String answer =
              client.prompt().user("Weather in Paris?").tools(new Weather()).call().content();
          assertThat(answer).isEqualTo("It is sunny");
          assertThat(openAi.requests).hasSize(2);

          List<UsageEvent> events = TestLedger.awaitEvents(context, 2);
          assertThat(events).hasSize(2);
          assertThat(events)
              .extracting(UsageEvent::tokens)
              .containsExactlyInAnyOrder(
                  TokenUsage.reported(20, 8),
                  new TokenUsage(24, 16, 0, 3, 0, UsageSource.REPORTED));
          assertThat(events).allMatch(e -> e.outcome() == Outcome.SUCCESS);
        });
  }

  @Test
  void chatClientCallIsCountedOnceNotAgainThroughItsModel() {
    openAi.reply(Reply.json(completion("Hi", usage(5, 0, 1, 0))));
    openAi.reply(Reply.stream(List.of(chunk("Hi"), finish(), usageChunk(usage(5, 0, 1, 0)))));
    run(
        context -> {
          ChatClient client = context.getBean(ChatClient.Builder.class).build();
          client.prompt().user("hi").call().content();
          client.prompt().user("hi").stream().content().blockLast();

          List<UsageEvent> events = TestLedger.awaitEvents(context, 2);
          assertThat(events).hasSize(2);
          assertThat(events).extracting(UsageEvent::tokens).containsOnly(TokenUsage.reported(5, 1));
        });
  }

  @Test
  void providerHttp500IsAFailureWithAStableErrorCode() {
    openAi.reply(Reply.error(500, "boom"));
    run(
        context -> {
          assertThatThrownBy(() -> context.getBean(ChatModel.class).call(new Prompt("hi")))
              .isNotNull();

          List<UsageEvent> events = TestLedger.awaitEvents(context, 1);
          assertThat(events).hasSize(1);
          UsageEvent event = events.get(0);
          assertThat(event.outcome()).isEqualTo(Outcome.ERROR);
          assertThat(event.error().type()).isEqualTo("provider.http_500");
          assertThat(event.tokens().source()).isEqualTo(UsageSource.MISSING);
          assertThat(event.model()).isEqualTo("gpt-4o-mini");
        });
  }

  @Test
  void blockingBudgetRefusesAChatClientCallBeforeTheModel() {
    openAi.reply(Reply.json(completion("Hi", usage(50, 0, 10, 0))));
    run(
        context -> {
          context
              .getBean(BudgetRepository.class)
              .put(
                  new Budget(
                      "alice-tokens",
                      "alice",
                      Budget.Measure.TOKENS,
                      BigDecimal.valueOf(10),
                      null,
                      BudgetWindow.day(ZoneOffset.UTC),
                      null,
                      Budget.Action.BLOCK,
                      null));
          ChatClient client = context.getBean(ChatClient.Builder.class).build();
          client.prompt().user("hi").call().content();
          TestLedger.awaitEvents(context, 1);

          assertThatThrownBy(() -> client.prompt().user("again").call().content())
              .isInstanceOf(TallyBudgetExceededException.class)
              .hasMessageContaining("alice-tokens");
          assertThatThrownBy(() -> client.prompt().user("again").stream().content().blockLast())
              .isInstanceOf(TallyBudgetExceededException.class);
          assertThat(openAi.requests).hasSize(1);
          assertThat(TestLedger.events(context)).hasSize(1);
        });
  }

  @Test
  void promptAndAnswerTextAreKeptOnlyWithFullCapture() {
    openAi.reply(Reply.json(completion("Hello there", usage(12, 0, 5, 0))));
    openAi.reply(Reply.stream(List.of(chunk("Hi "), chunk("you"), finish())));
    runner
        .withPropertyValues("tally.capture.mode=FULL")
        .run(
            context -> {
              context.getBean(ChatModel.class).call(new Prompt("Say hello"));
              ChatClient client = context.getBean(ChatClient.Builder.class).build();
              client.prompt().user("Greet me").stream().content().blockLast();

              List<UsageEvent> events = TestLedger.awaitEvents(context, 2);
              assertThat(events).hasSize(2);
              assertThat(events)
                  .extracting(e -> e.content().inputText(), e -> e.content().outputText())
                  .containsExactlyInAnyOrder(
                      org.assertj.core.groups.Tuple.tuple("Say hello", "Hello there"),
                      org.assertj.core.groups.Tuple.tuple("Greet me", "Hi you"));
            });
  }
}
