package dev.tally.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private final List<SseEvent> events = new ArrayList<>();
  private final SseParser parser = new SseParser(events::add);

  @Test
  void readsEventNamesAndJoinsMultiLineData() {
    parser.feed("event: delta\ndata: first\ndata:second\nid: 7\n\n: a comment\n\ndata: x\n\n");

    assertThat(events)
        .containsExactly(new SseEvent("delta", "first\nsecond", "7"), new SseEvent(null, "x", "7"));
  }

  @Test
  void handlesCrlfAndCrAndACrlfSplitAcrossChunks() {
    parser.feed("data: a\r");
    parser.feed("\n\r\ndata: b\r\rdata: c\n");
    parser.feed("\n");

    assertThat(events).extracting(SseEvent::data).containsExactly("a", "b", "c");
  }

  @Test
  void anyChunkingGivesTheSameEvents() {
    String transcript = Transcripts.read("openai-chat-with-usage.sse");
    List<SseEvent> whole = new ArrayList<>();
    new SseParser(whole::add).feed(transcript);
    for (int size = 1; size <= 7; size++) {
      List<SseEvent> chunked = new ArrayList<>();
      SseParser p = new SseParser(chunked::add);
      for (int i = 0; i < transcript.length(); i += size) {
        p.feed(transcript.substring(i, Math.min(transcript.length(), i + size)));
      }
      assertThat(chunked).as("chunks of %d", size).isEqualTo(whole);
    }
    assertThat(whole).hasSize(13);
  }

  @Test
  void endDispatchesAnUnterminatedLastEvent() {
    parser.feed("data: [DONE]");
    assertThat(events).isEmpty();

    parser.end();

    assertThat(events).extracting(SseEvent::data).containsExactly("[DONE]");
  }

  @Test
  void anEventWithoutDataIsNotDispatchedAndUnknownFieldsAreIgnored() {
    parser.feed("event: ping\nretry: 100\nfoo: bar\n\ndata\n\n");

    assertThat(events).containsExactly(new SseEvent(null, "", null));
  }

  @Test
  void anOversizedLineFedAsTextIsDroppedAndCounted() {
    SseParser small = new SseParser(events::add, 8);

    small.feed("data: " + "x".repeat(100) + "\ndata: y\n\ndata: ok\n\n");

    assertThat(events).extracting(SseEvent::data).containsExactly("ok");
    assertThat(small.dropped()).isEqualTo(1);
  }

  @Test
  void anOversizedEventIsDroppedAndCounted() {
    SseParser small = new SseParser(events::add, 8);

    small.feed("data: 0123456789\n\ndata: ok\n\n");

    assertThat(events).extracting(SseEvent::data).containsExactly("ok");
    assertThat(small.dropped()).isEqualTo(1);
  }
}
