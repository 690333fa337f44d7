package dev.tally.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The codec writes version 2 (with a typed cost) and still reads what version 1 wrote. */
class EventCodecVersionTest {

  /**
   * One event as the version 1 codec (before typed costs) encoded it: id {@code v1-event}, subject
   * alice, model gpt-4o-mini, 120/45 reported tokens, 830 ms, and the attributes {@code
   * tally.cost=0.0125} and {@code route=/chat}. Written by the codec of commit 13e0b00.
   */
  private static final String VERSION_1_BATCH =
      "01000000010000000876312d6576656e740000000069a40de4075bcd15000000046368617400000005616c6963"
          + "65ffffffffffffffffffffffff0000000b6770742d346f2d6d696e69000000066f70656e61690000000000"
          + "00007800000000000000000000000000000000000000000000002d000000000000000000000000003178cb"
          + "8000ffffffffffffffff000200000005726f757465000000052f636861740000000a74616c6c792e636f73"
          + "7400000006302e30313235ffffffff0000000a00000014ffffffffffffffff";

  @Test
  void aVersion1BatchDecodesUnpricedWithItsAttributesUnchanged() throws Exception {
    byte[] bytes = HexFormat.of().parseHex(VERSION_1_BATCH);

    List<UsageEvent> events = EventCodec.decode(bytes, 0, bytes.length);

    assertThat(events).hasSize(1);
    UsageEvent e = events.get(0);
    assertThat(e.id()).isEqualTo("v1-event");
    assertThat(e.occurredAt()).isEqualTo(Instant.parse("2026-03-01T09:59:00.123456789Z"));
    assertThat(e.subject()).isEqualTo("alice");
    assertThat(e.model()).isEqualTo("gpt-4o-mini");
    assertThat(e.provider()).isEqualTo("openai");
    assertThat(e.tokens()).isEqualTo(TokenUsage.reported(120, 45));
    assertThat(e.duration()).isEqualTo(Duration.ofMillis(830));
    assertThat(e.content()).isEqualTo(ContentSummary.lengths(10, 20));
    // The old magic attribute is kept as an attribute and never becomes a cost.
    assertThat(e.attributes()).isEqualTo(Map.of("tally.cost", "0.0125", "route", "/chat"));
    assertThat(e.cost()).isEqualTo(Cost.unpriced());
  }

  @Test
  void everyKindOfCostSurvivesTheCurrentVersion() throws Exception {
    List<UsageEvent> events =
        List.of(
            event("unpriced", Cost.unpriced()),
            event("catalog", Cost.of(new BigDecimal("0.00012500"), "USD", "2026-06")),
            event("caller", Cost.of(new BigDecimal("1.5"), "eur")),
            event("zero", Cost.of(new BigDecimal("0E-8"), "USD", "free-tier")));

    byte[] bytes = EventCodec.encode(events);
    List<UsageEvent> back = EventCodec.decode(bytes, 0, bytes.length);

    assertThat(bytes[0]).isEqualTo(EventCodec.VERSION).isEqualTo((byte) 2);
    assertThat(back).containsExactlyElementsOf(events);
    assertThat(back.get(1).cost().amount()).hasToString("0.00012500");
    assertThat(back.get(2).cost().currency()).isEqualTo("EUR");
  }

  @Test
  void anUnknownVersionIsRefusedNamingIt() {
    byte[] bytes = EventCodec.encode(List.of(event("x", Cost.unpriced())));
    bytes[0] = 3;

    assertThatThrownBy(() -> EventCodec.decode(bytes, 0, bytes.length))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 3");
  }

  @Test
  void aCorruptCostIsAnIoErrorNotACrash() {
    byte[] bytes = EventCodec.encode(List.of(event("x", Cost.of(BigDecimal.ONE, "USD"))));
    // The amount is written as a length-prefixed string "1"; turn its digit into a letter.
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int digit = text.lastIndexOf("\u0000\u0000\u0000\u00011") + 4;
    assertThat(bytes[digit]).isEqualTo((byte) '1');
    bytes[digit] = 'x';

    assertThatThrownBy(() -> EventCodec.decode(bytes, 0, bytes.length))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("undecodable event");
  }

  private static UsageEvent event(String id, Cost cost) {
    return UsageEvent.builder("chat")
        .id(id)
        .occurredAt(Instant.parse("2026-06-01T00:00:00Z"))
        .model("gpt-4o-mini")
        .tokens(new TokenUsage(10, 0, 0, 5, 0, UsageSource.REPORTED))
        .cost(cost)
        .build();
  }
}
