package dev.tally.core;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.time.Duration;
import java.time.Instant;

/** Small factory of realistic events for tests. */
final class Events {
  static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private Events() {}

  static UsageEvent chat(String id) {
    return UsageEvent.builder("chat")
        .id(id)
        .occurredAt(T0)
        .subject("alice")
        .sessionId("s-1")
        .model("gpt-4o-mini")
        .tokens(new TokenUsage(120, 30, 0, 48, 8, UsageSource.REPORTED))
        .duration(Duration.ofMillis(350))
        .attribute("route", "/api/chat")
        .build();
  }
}
