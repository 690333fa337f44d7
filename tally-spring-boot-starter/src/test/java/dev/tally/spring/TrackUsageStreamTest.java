package dev.tally.spring;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.TrackUsage;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.spring.aop.TrackUsageInterceptor;
import dev.tally.spring.autoconfigure.TallyAspectAutoConfiguration;
import dev.tally.test.RecordingUsageTracker;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code @TrackUsage} on methods returning a Reactor stream: one streamed operation each. */
class TrackUsageStreamTest {

  /** A provider's chunk: text, and on the last one the model and the usage. */
  record Chunk(String text, String model, TokenUsage usage) {}

  static class StreamingService {
    @TrackUsage(value = "chat", subject = "#user", prompt = "#question")
    public Flux<String> words(String user, String question, List<String> words) {
      return Flux.fromIterable(words);
    }

    @TrackUsage(value = "chat", subject = "#user", prompt = "#question")
    public Flux<String> endless(String user, String question) {
      AtomicInteger i = new AtomicInteger();
      return Flux.generate(sink -> sink.next("word" + i.incrementAndGet() + " "));
    }

    @TrackUsage(
        value = "chat",
        prompt = "#question",
        delivered = "#result.text",
        model = "#result.model",
        tokens = "#result.usage")
    public Flux<Chunk> chunks(String question) {
      return Flux.just(
          new Chunk("Hello ", null, null),
          new Chunk("world", null, null),
          new Chunk("", "gpt-4o-2024-08-06", TokenUsage.reported(12, 2)));
    }

    @TrackUsage(value = "chat", prompt = "#question")
    public Flux<String> breaksMidStream(String question) {
      return Flux.concat(
          Flux.just("partial answer "), Flux.error(new IOException("upstream reset")));
    }

    @TrackUsage(value = "chat", subject = "#user")
    public Flux<String> throwsBeforeStreaming(String user) {
      throw new IllegalStateException("no model configured");
    }

    @TrackUsage(value = "chat", delivered = "#result.nope")
    public Flux<Chunk> badDelivered() {
      return Flux.just(new Chunk("a", null, null), new Chunk("b", null, null));
    }

    @TrackUsage(value = "chat")
    public Flux<String> nothing() {
      return null;
    }

    @TrackUsage(value = "lookup")
    public Mono<String> never() {
      return Mono.never();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Config {
    @Bean
    StreamingService streamingService() {
      return new StreamingService();
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
  void aFluxOfTextIsOneEventWithThePromptAndTheDeliveredTextEstimated() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          List<String> received =
              service
                  .words("alice", "What is a token?", List.of("A token ", "is a ", "piece."))
                  .collectList()
                  .block();

          assertThat(received).containsExactly("A token ", "is a ", "piece.");
          UsageEvent event = tracker.events().get(0);
          assertThat(tracker).hasSize(1);
          // chars/4, the recording tracker's estimator: prompt 16 chars, output 19 chars
          assertThat(event).succeeded().hasSubject("alice").hasInputTokens(4).hasOutputTokens(5);
          assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
          StreamDetails details = StreamDetails.of(event).orElseThrow();
          assertThat(details.completed()).isTrue();
          assertThat(details.chunks()).isEqualTo(3);
        });
  }

  @Test
  void aSubscriberThatCancelsIsRecordedOnceAsCancelledWithTheTokensDelivered() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          List<String> received =
              service.endless("bob", "Tell me everything").take(3).collectList().block();

          assertThat(received).hasSize(3);
          assertThat(tracker).singleEvent().wasCancelled().hasSubject("bob");
          UsageEvent event = tracker.events().get(0);
          assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
          assertThat(event.tokens().input()).isPositive();
          assertThat(event.tokens().output()).isPositive();
          assertThat(StreamDetails.of(event).orElseThrow().completed()).isFalse();
        });
  }

  @Test
  void usageAndModelReadFromTheLastChunkAreReportedExactly() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThat(service.chunks("Say hello").collectList().block()).hasSize(3);

          assertThat(tracker)
              .singleEvent()
              .succeeded()
              .hasModel("gpt-4o-2024-08-06")
              .hasTokens(TokenUsage.reported(12, 2));
          assertThat(StreamDetails.of(tracker.last()).orElseThrow().chunks()).isEqualTo(2);
        });
  }

  @Test
  void aStreamThatBreaksIsOneFailureWithThePartialTokensAndTheErrorReachesTheSubscriber() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThatThrownBy(() -> service.breaksMidStream("Why?").collectList().block())
              .hasRootCauseInstanceOf(IOException.class)
              .hasRootCauseMessage("upstream reset");

          assertThat(tracker).singleEvent().failedWith(IOException.class);
          assertThat(tracker.last().tokens().output()).isPositive();
          assertThat(tracker.last().tokens().input()).isPositive();
        });
  }

  @Test
  void aMethodThatThrowsBeforeStreamingRethrowsAndIsOneFailure() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThatThrownBy(() -> service.throwsBeforeStreaming("carol"))
              .isInstanceOf(IllegalStateException.class)
              .hasMessage("no model configured");

          assertThat(tracker).singleEvent().failedWith(IllegalStateException.class);
        });
  }

  @Test
  void aDeliveredExpressionThatFailsIsCountedAndTheStreamIsStillRecordedOnce() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThat(service.badDelivered().collectList().block()).hasSize(2);

          assertThat(tracker).singleEvent().succeeded();
          assertThat(context.getBean(TrackUsageInterceptor.class).expressionFailures())
              .isEqualTo(2);
        });
  }

  @Test
  void aNullFluxIsPassedThroughAndRecordedOnce() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          assertThat(service.nothing()).isNull();

          assertThat(tracker).singleEvent().succeeded().hasAttribute("tally.null_result", "true");
        });
  }

  @Test
  void aMonoTheSubscriberCancelsIsCancelledNotAnError() {
    runner.run(
        context -> {
          StreamingService service = context.getBean(StreamingService.class);
          RecordingUsageTracker tracker = context.getBean(RecordingUsageTracker.class);

          Disposable subscription = service.never().subscribe();
          assertThat(tracker).isEmpty();
          subscription.dispose();

          assertThat(tracker).singleEvent().wasCancelled().hasOperation("lookup");
        });
  }
}
