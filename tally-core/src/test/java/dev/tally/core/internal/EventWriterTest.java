package dev.tally.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The fast writer writes exactly the bytes of the format in docs/PIPELINE.md, and reads back. */
class EventWriterTest {
  private static final Instant AT = Instant.parse("2026-12-03T07:00:00.123456789Z");

  static UsageEvent full() {
    return UsageEvent.builder("chat")
        .id("evt-1")
        .occurredAt(AT)
        .subject("zoë") // non-ASCII: the slow path
        .userEmail("zoe@example.com")
        .sessionId("s-1")
        .tenant("acme")
        .model("gpt-4o-mini")
        .provider("openai")
        .tokens(new TokenUsage(1_180, 1_024, 7, 342, 12, UsageSource.REPORTED))
        .duration(Duration.ofMillis(1_640))
        .failure(new ErrorInfo("Timeout", "upstream took 30 s — gave up"))
        .attribute("route", "/api/chat")
        .attribute("emoji", "\uD83D\uDE00")
        .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
        .content(new ContentSummary(12, 34, "hello", "Echo: hello"))
        .cost(Cost.of(new BigDecimal("0.000123450"), "USD", "2026-12-01"))
        .build();
  }

  static UsageEvent sparse() {
    return UsageEvent.builder("embed").id("evt-2").occurredAt(AT).build();
  }

  @Test
  void writesTheSameBytesAsTheDataOutputFormatAndDecodesBack() throws IOException {
    EventWriter writer = new EventWriter(16); // grows
    for (UsageEvent event : List.of(full(), sparse(), full())) {
      int length = writer.writeRecord(event);
      byte[] written = java.util.Arrays.copyOf(writer.buffer(), length);
      assertThat(written).isEqualTo(reference(event));
      assertThat(EventCodec.decode(written, 0, length)).containsExactly(event);
    }
  }

  @Test
  void aBatchOfManyRoundTrips() throws IOException {
    byte[] batch = EventCodec.encode(List.of(full(), sparse()));
    assertThat(EventCodec.decode(batch, 0, batch.length)).containsExactly(full(), sparse());
  }

  /** The format (version 2) written the slow, obvious way, with DataOutputStream. */
  private static byte[] reference(UsageEvent e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(2);
    out.writeInt(1);
    string(out, e.id());
    out.writeLong(e.occurredAt().getEpochSecond());
    out.writeInt(e.occurredAt().getNano());
    string(out, e.operation());
    string(out, e.subject());
    string(out, e.userEmail());
    string(out, e.sessionId());
    string(out, e.tenant());
    string(out, e.model());
    string(out, e.provider());
    TokenUsage t = e.tokens();
    out.writeLong(t.input());
    out.writeLong(t.cachedInput());
    out.writeLong(t.cacheWrite());
    out.writeLong(t.output());
    out.writeLong(t.reasoning());
    out.writeByte(t.source().ordinal());
    out.writeLong(e.duration().toNanos());
    out.writeByte(e.outcome().ordinal());
    string(out, e.error() == null ? null : e.error().type());
    string(out, e.error() == null ? null : e.error().message());
    out.writeShort(e.attributes().size());
    for (Map.Entry<String, String> a : e.attributes().entrySet()) {
      string(out, a.getKey());
      string(out, a.getValue());
    }
    string(out, e.traceId());
    out.writeInt(e.content().inputLength());
    out.writeInt(e.content().outputLength());
    string(out, e.content().inputText());
    string(out, e.content().outputText());
    string(out, e.cost().amount() == null ? null : e.cost().amount().toString());
    string(out, e.cost().currency());
    string(out, e.cost().priceVersion());
    out.flush();
    return bytes.toByteArray();
  }

  private static void string(DataOutputStream out, @Nullable String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }
}
