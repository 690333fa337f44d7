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

class AnthropicStreamAdapterTest {
  private final RecordingUsageTracker tracker =
      RecordingUsageTracker.create(b -> b.tokenEstimator(JtokkitTokenEstimator.create()));
  private final UsageStream stream =
      tracker.startStream("chat", UsageContext.of("alice")).prompt("Weather in San Francisco?");
  private final AnthropicStreamAdapter adapter = new AnthropicStreamAdapter(stream);

  @Test
  void cumulativeMessageDeltaUsageIsKeptNotSummed() {
    String text = Transcripts.play(adapter, Transcripts.lines("anthropic-messages.sse"));
    Transcripts.finish(adapter, stream);

    assertThat(text).isEqualTo("Hello, I can check that.");
    assertThat(adapter.isDone()).isTrue();
    assertThat(adapter.finishReason()).isEqualTo("tool_use");
    UsageEvent event = tracker.events().get(0);
    assertThat(event).succeeded();
    // Two message_delta events said 40 then 89 (cumulative): 89, not 129 and not 2 + 89.
    assertThat(event.tokens())
        .isEqualTo(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(472)
                .cachedInput(3000)
                .cacheWrite(1200)
                .output(89)
                .build());
    assertThat(event.model()).isEqualTo("claude-sonnet-4-5-20250929");
  }

  @Test
  void pingAndUnknownEventsAreIgnored() {
    Transcripts.play(adapter, Transcripts.lines("anthropic-messages.sse"));

    // ping, vendor_extension, 2 content_block_start, 2 content_block_stop
    assertThat(adapter.ignored()).isEqualTo(6);
    assertThat(adapter.malformed()).isZero();
  }

  @Test
  void aStreamCutAfterMessageStartKeepsTheProviderInputAndEstimatesTheOutput() {
    List<String> lines = Transcripts.lines("anthropic-messages.sse");
    // message_start, content_block_start, ping and the three text deltas.
    String text = Transcripts.play(adapter, lines.subList(0, 18));
    stream.cancel();

    assertThat(text).isEqualTo("Hello, I can check that.");
    UsageEvent event = tracker.events().get(0);
    assertThat(event).wasCancelled();
    assertThat(event.tokens().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(event.tokens().input()).isEqualTo(472);
    assertThat(event.tokens().cachedInput()).isEqualTo(3000);
    assertThat(event.tokens().cacheWrite()).isEqualTo(1200);
    assertThat(event.tokens().output()).isGreaterThan(2);
    assertThat(StreamDetails.of(event).orElseThrow().basis()).isEqualTo(TokenBasis.REPORTED_INPUT);
  }

  @Test
  void anErrorEventIsAProviderError() {
    Transcripts.play(adapter, Transcripts.lines("anthropic-overloaded.sse"));
    Transcripts.finish(adapter, stream);

    UsageEvent event = tracker.events().get(0);
    assertThat(event).failed().hasErrorMessage("Overloaded");
    assertThat(event.error().type()).isEqualTo("anthropic.overloaded_error");
    assertThat(event.tokens()).isEqualTo(TokenUsage.estimated(25, 1));
  }

  @Test
  void aNegativeCountIsMalformedAndSkippedNotAFailure() {
    adapter.line("event: message_delta");
    adapter.line("data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":-5}}");
    adapter.line("");

    assertThat(adapter.malformed()).isEqualTo(1);
  }
}
