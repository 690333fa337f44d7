package dev.tally.llm;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.UsageStream;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.StreamDetails.TokenBasis;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.test.RecordingUsageTracker;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiChatStreamAdapterTest {
  private final RecordingUsageTracker tracker =
      RecordingUsageTracker.create(b -> b.tokenEstimator(JtokkitTokenEstimator.create()));
  private final UsageStream stream =
      tracker
          .startStream("chat", UsageContext.of("alice").withModel("gpt-4o-mini"))
          .prompt("What is the capital of France?");
  private final OpenAiChatStreamAdapter adapter = new OpenAiChatStreamAdapter(stream);

  @Test
  void theUsageChunkGivesReportedUsageWithCachedAndReasoningTokensDisjoint() {
    String text = Transcripts.play(adapter, Transcripts.lines("openai-chat-with-usage.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(text).isEqualTo("The capital of France is Paris.");
    assertThat(adapter.isDone()).isTrue();
    assertThat(adapter.finishReason()).isEqualTo("stop");
    assertThat(adapter.error()).isNull();
    UsageEvent event = tracker.events().get(0);
    // prompt 1250 incl. 1024 cached; completion 57 incl. 12 reasoning.
    assertThat(event.tokens())
        .isEqualTo(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(226)
                .cachedInput(1024)
                .output(45)
                .reasoning(12)
                .build());
    assertThat(event.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(event).succeeded();
    assertThat(StreamDetails.of(event).orElseThrow().basis()).isEqualTo(TokenBasis.REPORTED);
  }

  @Test
  void unknownChunksAreIgnoredAndMalformedJsonIsCountedNeverAFailure() {
    Transcripts.play(adapter, Transcripts.lines("openai-chat-with-usage.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(adapter.ignored()).isEqualTo(1);
    assertThat(adapter.malformed()).isEqualTo(1);
    assertThat(tracker.events().get(0).attributes())
        .containsEntry(StreamDetails.MALFORMED_ATTRIBUTE, "1");
  }

  @Test
  void aStreamInterruptedBeforeTheUsageChunkIsEstimatedWithPromptAndOutput() {
    List<String> lines = Transcripts.lines("openai-chat-with-usage.sse");
    String text = Transcripts.play(adapter, lines.subList(0, 12)); // up to " France"
    stream.cancel();

    assertThat(text).isEqualTo("The capital of France");
    UsageEvent event = tracker.events().get(0);
    assertThat(event).wasCancelled();
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().input()).as("the prompt is counted").isEqualTo(7);
    assertThat(event.tokens().output()).isEqualTo(4);
    assertThat(event.attributes())
        .containsEntry(StreamDetails.ESTIMATOR_ATTRIBUTE, "jtokkit/o200k_base");
  }

  @Test
  void toolCallArgumentsCountAsOutputWhenNoUsageArrives() {
    String text =
        Transcripts.play(adapter, Transcripts.lines("openai-chat-tool-call-no-usage.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(text).isEmpty();
    assertThat(adapter.finishReason()).isEqualTo("tool_calls");
    UsageEvent event = tracker.events().get(0);
    assertThat(event).succeeded();
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().output()).isPositive();
  }

  @Test
  void anErrorChunkIsAProviderErrorWithThePartialTokens() {
    String text = Transcripts.play(adapter, Transcripts.lines("openai-chat-error.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(text).isEqualTo("Hello");
    assertThat(adapter.error().type()).isEqualTo("openai.server_error");
    UsageEvent event = tracker.events().get(0);
    assertThat(event).failed().hasErrorMessageContaining("server had an error");
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(7, 1));
  }
}
