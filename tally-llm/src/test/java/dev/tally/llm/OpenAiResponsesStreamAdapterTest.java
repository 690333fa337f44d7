package dev.tally.llm;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.test.RecordingUsageTracker;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiResponsesStreamAdapterTest {
  private final RecordingUsageTracker tracker =
      RecordingUsageTracker.create(b -> b.tokenEstimator(JtokkitTokenEstimator.create()));
  private final UsageStream stream =
      tracker.startStream("chat", UsageContext.of("alice")).prompt("Say hi to Alice");
  private final OpenAiResponsesStreamAdapter adapter = new OpenAiResponsesStreamAdapter(stream);

  @Test
  void responseCompletedGivesReportedUsageWithCachedAndReasoningTokensDisjoint() {
    String text = Transcripts.play(adapter, Transcripts.lines("openai-responses-completed.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(text).isEqualTo("Hi there, Alice!");
    assertThat(adapter.isDone()).isTrue();
    UsageEvent event = tracker.events().get(0);
    assertThat(event).succeeded();
    // input 328 incl. 256 cached; output 52 incl. 30 reasoning.
    assertThat(event.tokens())
        .isEqualTo(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(72)
                .cachedInput(256)
                .output(22)
                .reasoning(30)
                .build());
    assertThat(event.model()).isEqualTo("gpt-4.1-2025-04-14");
  }

  @Test
  void lifecycleEventsItDoesNotNeedAreIgnored() {
    Transcripts.play(adapter, Transcripts.lines("openai-responses-completed.sse"));

    // output_item.added, content_part.added, output_text.done
    assertThat(adapter.ignored()).isEqualTo(3);
    assertThat(adapter.malformed()).isZero();
  }

  @Test
  void responseIncompleteIsASuccessWithItsUsageAndReason() {
    Transcripts.play(adapter, Transcripts.lines("openai-responses-incomplete.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(adapter.finishReason()).isEqualTo("max_output_tokens");
    UsageEvent event = tracker.events().get(0);
    assertThat(event).succeeded();
    assertThat(event.tokens()).isEqualTo(TokenUsage.reported(328, 16));
  }

  @Test
  void responseFailedIsAFailureThatKeepsTheReportedUsage() {
    Transcripts.play(adapter, Transcripts.lines("openai-responses-failed.sse"));
    Transcripts.finish(adapter, stream);

    UsageEvent event = tracker.events().get(0);
    assertThat(event).failed().hasErrorMessage("The model failed to generate a response.");
    assertThat(event.error().type()).isEqualTo("openai.server_error");
    assertThat(event.tokens()).isEqualTo(TokenUsage.reported(328, 9));
  }

  @Test
  void aStreamCutBeforeItsFinalEventIsEstimated() {
    List<String> lines = Transcripts.lines("openai-responses-completed.sse");
    Transcripts.play(adapter, lines.subList(0, lines.size() - 3));
    stream.cancel();

    UsageEvent event = tracker.events().get(0);
    assertThat(event).wasCancelled();
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().input()).isPositive();
    assertThat(event.tokens().output()).isPositive();
  }
}
