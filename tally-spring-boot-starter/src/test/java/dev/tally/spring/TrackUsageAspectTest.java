package dev.tally.spring;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.TokenUsage;
import dev.tally.core.TrackUsage;
import dev.tally.spring.aop.TrackUsageAspect;
import dev.tally.spring.autoconfigure.TallyAspectAutoConfiguration;
import dev.tally.test.RecordingUsageTracker;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

class TrackUsageAspectTest {

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

    @TrackUsage(value = "chat-mono", tokens = "#result.usage")
    public Mono<Reply> mono(Mono<Reply> mono) {
      return mono;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Config {
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
          assertThat(context.getBean(TrackUsageAspect.class).expressionFailures()).isZero();
        });
  }

  @Test
  void failingExpressionsNeverBreakTheCallAndAreCounted() {
    runner.run(
        context -> {
          ChatService service = context.getBean(ChatService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);
          TrackUsageAspect aspect = context.getBean(TrackUsageAspect.class);

          Reply reply = service.badExpressions(new User("carol", "c@x"));
          Reply second = service.wrongTokensType();

          assertThat(reply.text()).isEqualTo("fine");
          assertThat(second.text()).isEqualTo("not tokens");
          assertThat(tracker).hasSize(2);
          assertThat(tracker).event(0).isAnonymous().hasMissingUsage().succeeded();
          assertThat(tracker).event(1).hasMissingUsage();
          assertThat(aspect.expressionFailures()).isEqualTo(3);
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
}
