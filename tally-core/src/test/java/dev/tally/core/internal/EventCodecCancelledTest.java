package dev.tally.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spool encodes the outcome by ordinal; CANCELLED, appended last, must survive it. */
class EventCodecCancelledTest {

  @Test
  void everyOutcomeSurvivesTheSpoolCodec() throws Exception {
    List<UsageEvent> events =
        List.of(
            UsageEvent.builder("chat").id("s").tokens(TokenUsage.reported(1, 2)).build(),
            UsageEvent.builder("chat").id("e").failure(new IllegalStateException("x")).build(),
            UsageEvent.builder("chat")
                .id("c")
                .tokens(TokenUsage.estimated(9, 3))
                .cancelled()
                .build());

    byte[] bytes = EventCodec.encode(events);
    List<UsageEvent> back = EventCodec.decode(bytes, 0, bytes.length);

    assertThat(back)
        .extracting(UsageEvent::outcome)
        .containsExactly(Outcome.SUCCESS, Outcome.ERROR, Outcome.CANCELLED);
    assertThat(back.get(2)).isEqualTo(events.get(2));
  }
}
