package dev.tally.kafka;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import java.time.Duration;

/** Event factories for the Kafka tests. */
final class Events {
  private Events() {}

  /** A chat event with a stable id, one of {@code subjects} subjects. */
  static UsageEvent chat(String idPrefix, int i, int subjects) {
    return UsageEvent.builder("chat")
        .id(idPrefix + "-" + i)
        .subject("user-" + (i % subjects))
        .model("gpt-test")
        .tokens(TokenUsage.reported(10 + i % 7, 3 + i % 5))
        .duration(Duration.ofMillis(1 + i % 50))
        .build();
  }
}
