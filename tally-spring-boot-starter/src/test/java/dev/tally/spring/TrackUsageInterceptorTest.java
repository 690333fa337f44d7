package dev.tally.spring;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.TrackUsage;
import dev.tally.core.event.TokenUsage;
import dev.tally.spring.aop.TrackUsageInterceptor;
import dev.tally.spring.autoconfigure.TallyAspectAutoConfiguration;
import dev.tally.test.RecordingUsageTracker;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

class TrackUsageInterceptorTest {

  record User(String id, String email) {}

  record Reply(String text, String model, TokenUsage usage) {}

  static class ChatService {
    @TrackUsage(
        value = "chat",
        subject = "#user.id",
        userEmail = "#user.email",
        session = "#session",
        model = "#result.model",
        tokens = "#result.usage",
        provider = "echo")
    public Reply chat(User user, String session, String message) {
      return new Reply("echo: " + message, "echo-1", TokenUsage.reported(3, 5));
    }

    @TrackUsage(value = "chat", subject = "#user.id", model = "'echo-1'")
    public Reply failing(User user) throws IOException {
      throw new IOException("provider down");
    }

    @TrackUsage(value = "chat", subject = "#user.nope.missing", tokens = "#result.usage.bogus")
    public Reply badExpressions(User user) {
      return new Reply("fine", "m", TokenUsage.reported(1, 1));
    }

    @TrackUsage(value = "chat", tokens = "#result.text")
    public Reply wrongTokensType() {
      return new Reply("not tokens", "m", TokenUsage.reported(1, 1));
    }

    @TrackUsage(value = "chat-async", subject = "#p0", tokens = "#result.usage")
    public CompletableFuture<Reply> async(String user, CompletableFuture<Reply> future) {
      return future;
    }

    @TrackUsage(value = "chat-async")
    public CompletableFuture<Reply> nullFuture() {
      return null;
    }

    public String plain() {
      return "plain";
    }

    @TrackUsage(value = "chat-mono", tokens = "#result.usage")
    public Mono<Reply> mono(Mono<Reply> mono) {
      return mono;
    }
  }

  interface Summarizer {
    @TrackUsage(value = "summarize", subject = "#owner", tokens = "#result.usage")
    Reply summarize(String owner, String text);
  }

  static class DefaultSummarizer implements Summarizer {
    @Override
    public Reply summarize(String owner, String text) {
      return new Reply(text.substring(0, 3), "m", TokenUsage.reported(text.length(), 3));
    }

    @TrackUsage(value = "broken", subject = "#user.(")
    public String unparsable(String user) {
      return "still answered";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Config {
    @Bean
    DefaultSummarizer summarizer() {
      return new DefaultSummarizer();
    }

    @Bean
    ChatService chatService() {
      return new ChatService();
    }

    @Bean
    RecordingUsageTracker tracker() {
      return RecordingUsageTracker.create();
    }
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(AopAutoConfiguration.class, TallyAspectAutoConfiguration.class))
          .withUserConfiguration(Config.class);

  @Test
  void synchronousSuccessReadsArgumentsAndResultAndReturnsTheResultUnchanged() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          Reply reply = service.chat(new User("alice", "a@example.com"), "s-1", "hi");

          assertThat(reply.text()).isEqualTo("echo: hi");
          assertThat(tracker)
              .singleEvent()
              .hasOperation("chat")
              .hasSubject("alice")
              .hasUserEmail("a@example.com")
              .hasSessionId("s-1")
              .hasModel("echo-1")
              .hasProvider("echo")
              .hasTokens(TokenUsage.reported(3, 5))
              .succeeded();
        });
  }

  @Test
  void synchronousFailureRethrowsTheSameExceptionAndRecordsItOnce() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThatThrownBy(() -> service.failing(new User("bob", "b@x")))
              .isInstanceOf(IOException.class)
              .hasMessage("provider down");

          assertThat(tracker)
              .singleEvent()
              .hasSubject("bob")
              .hasModel("echo-1")
              .failedWith(IOException.class);
          assertThat(context.getBean(TrackUsageInterceptor.class).expressionFailures()).isZero();
        });
  }

  @Test
  void failingExpressionsNeverBreakTheCallAndAreCounted() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);
          TrackUsageInterceptor aspect = context.getBean(TrackUsageInterceptor.class);

          Reply reply = service.badExpressions(new User("carol", "c@x"));
          Reply second = service.wrongTokensType();

          assertThat(reply.text()).isEqualTo("fine");
          assertThat(second.text()).isEqualTo("not tokens");
          assertThat(tracker).hasSize(2);
          assertThat(tracker).event(0).isAnonymous().hasMissingUsage().succeeded();
          assertThat(tracker).event(1).hasMissingUsage();
          assertThat(aspect.expressionFailures()).isEqualTo(3);
          SimpleMeterRegistry registry = new SimpleMeterRegistry();
          context.getBean("tallyInterceptorFailureMetrics", MeterBinder.class).bindTo(registry);
          assertThat(
                  registry
                      .get("tally.internal.failures")
                      .tag("component", "interceptor")
                      .functionCounter()
                      .count())
              .isEqualTo(3.0);
        });
  }

  @Test
  void completableFutureIsTrackedOnCompletionAndReturnedAsIs() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);
          CompletableFuture<Reply> future = new CompletableFuture<>();

          CompletableFuture<Reply> returned = service.async("dave", future);

          assertThat(returned).isSameAs(future);
          assertThat(tracker.events()).isEmpty();
          future.complete(new Reply("x", "m", TokenUsage.estimated(2, 2)));
          assertThat(tracker)
              .singleEvent()
              .hasSubject("dave")
              .hasTokens(TokenUsage.estimated(2, 2));
        });
  }

  @Test
  void failedCompletableFutureIsTrackedAsAFailure() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);
          CompletableFuture<Reply> future = new CompletableFuture<>();

          CompletableFuture<Reply> returned = service.async("erin", future);
          future.completeExceptionally(new IllegalStateException("timeout"));

          assertThat(returned).isCompletedExceptionally();
          assertThat(tracker).singleEvent().failedWith(IllegalStateException.class);
        });
  }

  @Test
  void nullFutureIsPassedThroughAndTracked() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThat(service.nullFuture()).isNull();

          assertThat(tracker).singleEvent().hasAttribute("tally.null_result", "true").succeeded();
        });
  }

  @Test
  void monoIsTrackedWhenItCompletesOrFails() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          Reply reply =
              service.mono(Mono.just(new Reply("m", "m", TokenUsage.reported(4, 4)))).block();
          assertThat(reply.text()).isEqualTo("m");
          assertThatThrownBy(
                  () -> service.mono(Mono.error(new IllegalArgumentException("bad"))).block())
              .isInstanceOf(IllegalArgumentException.class);

          assertThat(tracker).hasSize(2);
          assertThat(tracker).event(0).hasTokens(TokenUsage.reported(4, 4)).succeeded();
          assertThat(tracker).event(1).failedWith(IllegalArgumentException.class);
        });
  }

  @Test
  void expressionsStayCorrectOnceTheyAreCompiled() {
    // SpEL compiles an expression after about a hundred interpreted runs; the values must not
    // change.
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          for (int i = 0; i < 300; i++) {
            service.chat(new User("user-" + i, i + "@example.com"), "s-" + i, "hi");
          }

          assertThat(tracker).hasSize(300);
          for (int i = 0; i < 300; i++) {
            assertThat(tracker)
                .event(i)
                .hasSubject("user-" + i)
                .hasUserEmail(i + "@example.com")
                .hasSessionId("s-" + i)
                .hasModel("echo-1")
                .hasTokens(TokenUsage.reported(3, 5));
          }
          assertThat(context.getBean(TrackUsageInterceptor.class).expressionFailures()).isZero();
        });
  }

  @Test
  void annotationOnAnInterfaceMethodIsHonouredOnTheImplementation() {
    runner.run(
        context -> {
          Summarizer summarizer = context.getBean(Summarizer.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          Reply reply = summarizer.summarize("dana", "a long text");

          assertThat(reply.text()).isEqualTo("a l");
          assertThat(tracker)
              .singleEvent()
              .hasOperation("summarize")
              .hasSubject("dana")
              .hasTokens(TokenUsage.reported(11, 3));
        });
  }

  @Test
  void unparsableExpressionIsCountedAndTheCallStillAnswers() {
    runner.run(
        context -> {
          DefaultSummarizer service = context.getBean(DefaultSummarizer.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThat(service.unparsable("erin")).isEqualTo("still answered");
          assertThat(service.unparsable("erin")).isEqualTo("still answered");

          assertThat(tracker).hasSize(2);
          assertThat(tracker).event(0).hasOperation("broken").isAnonymous().succeeded();
          assertThat(context.getBean(TrackUsageInterceptor.class).expressionFailures())
              .isEqualTo(2);
        });
  }

  @Test
  void tracksWithoutBootsAopAutoConfigurationByRegisteringAnAutoProxyCreator() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TallyAspectAutoConfiguration.class))
        .withUserConfiguration(Config.class)
        .run(
            context -> {
              context.getBean(ChatService.class).chat(new User("fay", "f@x"), "s", "hi");

              assertThat(context.getBean(RecordingUsageTracker.class))
                  .singleEvent()
                  .hasSubject("fay");
            });
  }

  @Test
  void unannotatedMethodsOfAnAdvisedBeanAreNotTracked() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThat(service.toString()).isNotEmpty();
          assertThat(service.plain()).isEqualTo("plain");

          assertThat(tracker).isEmpty();
        });
  }
}
