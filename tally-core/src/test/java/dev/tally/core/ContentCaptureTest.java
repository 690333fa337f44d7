package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.ContentSummary;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ContentCaptureTest {
  private final ContentSummary text = ContentSummary.of("my card is 4111-1111", "ok");

  @Test
  void lengthsOnlyIsTheDefaultAndKeepsNoText() {
    RecordingDestination events = new RecordingDestination();
    UsageTracker tracker = UsageTracker.builder(events).build();

    tracker.track(tracker.event("chat").content(text).build());

    ContentSummary kept = events.last().content();
    assertThat(kept.inputText()).isNull();
    assertThat(kept.outputText()).isNull();
    assertThat(kept.inputLength()).isEqualTo(20);
    assertThat(kept.outputLength()).isEqualTo(2);
  }

  @Test
  void noneKeepsNeitherTextNorLengths() {
    assertThat(ContentCapture.none().apply(text)).isEqualTo(ContentSummary.none());
  }

  @Test
  void fullKeepsTextAfterRedaction() {
    ContentCapture capture = ContentCapture.full(List.of(Pattern.compile("\\d{4}-\\d{4}")));

    ContentSummary kept = capture.apply(text);

    assertThat(kept.inputText()).isEqualTo("my card is [REDACTED]");
    assertThat(kept.outputText()).isEqualTo("ok");
    assertThat(kept.inputLength()).isEqualTo(20);
  }

  @Test
  void lengthsOnlyReturnsTheSameSummaryWhenThereIsNoText() {
    ContentSummary lengths = ContentSummary.lengths(3, 4);
    assertThat(ContentCapture.lengthsOnly().apply(lengths)).isSameAs(lengths);
  }
}
