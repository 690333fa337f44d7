package dev.tally.springai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageTracker;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.InMemoryAlertOutbox;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.Prompt;

/** The recorder without Spring: failure paths of its own never reach the model call. */
class RoundRecorderTest {
  private final List<UsageEvent> events = new CopyOnWriteArrayList<>();
  private final UsageTracker tracker = UsageTracker.builder(events::add).build();

  private static ChatModelObservationContext context(boolean streaming) {
    return ChatModelObservationContext.builder()
        .prompt(new Prompt("Say hello"))
        .provider("openai")
        .streaming(streaming)
        .build();
  }

  private static ChatResponse answer(String text) {
    return new ChatResponse(
        List.of(new Generation(new AssistantMessage(text))),
        ChatResponseMetadata.builder().model("m-1").build());
  }

  @Test
  void aSubjectResolverThatThrowsRecordsAnonymousAndTheRoundStillCounts() {
    RoundRecorder recorder =
        new RoundRecorder(
            tracker,
            () -> {
              throw new IllegalStateException("no security context");
            },
            TokenEstimator.charsPerToken(),
            "chat",
            false);
    ChatModelObservationContext context = context(false);
    recorder.start(context);
    context.setResponse(answer("Hello there"));
    recorder.stop(context);

    assertThat(events).hasSize(1);
    UsageEvent event = events.get(0);
    assertThat(event.subject()).isEqualTo(UsageEvent.ANONYMOUS);
    assertThat(event.model()).isEqualTo("m-1");
    // No usage in the response: estimated, never a silent zero.
    assertThat(event.tokens()).isEqualTo(new TokenUsage(3, 0, 0, 3, 0, UsageSource.ESTIMATED));
    assertThat(event.attributes()).containsEntry("tally.tokens.estimator", "chars/4");
  }

  @Test
  void anEstimatorThatThrowsNeverReachesTheModelCallAndTheRoundIsStillRecorded() {
    TokenEstimator broken =
        new TokenEstimator() {
          @Override
          public long count(CharSequence text, String model) {
            throw new IllegalStateException("tokenizer missing");
          }

          @Override
          public String name(String model) {
            return "broken";
          }
        };
    RoundRecorder recorder = new RoundRecorder(tracker, () -> "alice", broken, "chat", false);
    ChatModelObservationContext context = context(false);
    recorder.start(context);
    context.setResponse(answer("Hello"));
    recorder.stop(context);
    // Nothing was thrown into the model call, and the round is still recorded, with no usage.
    assertThat(events).hasSize(1);
    assertThat(events.get(0).tokens().source()).isEqualTo(UsageSource.MISSING);
    assertThat(events.get(0).subject()).isEqualTo("alice");
  }

  @Test
  void aStoppedObservationNobodyStartedIsIgnored() {
    RoundRecorder recorder =
        new RoundRecorder(tracker, () -> "alice", TokenEstimator.charsPerToken(), "chat", false);
    recorder.stop(context(true));
    assertThat(events).isEmpty();
  }

  @Test
  void aStreamStoppedWithoutAResponseOrErrorIsCancelledWithThePrompt() {
    RoundRecorder recorder =
        new RoundRecorder(tracker, () -> "alice", TokenEstimator.charsPerToken(), "chat", false);
    ChatModelObservationContext context = context(true);
    recorder.start(context);
    recorder.stop(context);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(events.get(0).tokens().input()).isEqualTo(3);
  }

  @Test
  void aBudgetGuardThatFailsLetsTheCallThrough() {
    BudgetRepository broken =
        new BudgetRepository() {
          @Override
          public List<dev.tally.core.budget.Budget> all() {
            throw new IllegalStateException("budget store down");
          }

          @Override
          public java.util.Optional<dev.tally.core.budget.Budget> find(String id) {
            return java.util.Optional.empty();
          }

          @Override
          public void put(dev.tally.core.budget.Budget budget) {}

          @Override
          public boolean delete(String id) {
            return false;
          }
        };
    BudgetGuard guard =
        new BudgetGuard(
            broken,
            new BudgetEvaluator(
                broken, (b, i) -> BigDecimal.ZERO, new InMemoryAlertOutbox(), Clock.systemUTC()),
            Clock.systemUTC());
    ChatModel model = prompt -> answer("fine");
    ChatClient client =
        ChatClient.builder(model).defaultAdvisors(new BudgetAdvisor(guard, () -> "alice")).build();
    assertThat(client.prompt().user("hi").call().content()).isEqualTo("fine");
  }
}
