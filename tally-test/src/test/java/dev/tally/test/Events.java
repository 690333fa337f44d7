package dev.tally.test;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Small events for tests. */
final class Events {
  private Events() {}

  static UsageEvent event(String id) {
    return UsageEvent.builder("chat").id(id).tokens(TokenUsage.reported(3, 5)).build();
  }

  static List<UsageEvent> events(int count) {
    List<UsageEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(event(UUID.randomUUID().toString()));
    }
    return events;
  }
}
