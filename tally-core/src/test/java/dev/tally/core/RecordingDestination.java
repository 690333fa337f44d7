package dev.tally.core;

import dev.tally.core.event.UsageEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Collects what a tracker hands over. */
final class RecordingDestination implements Consumer<UsageEvent> {
  final List<UsageEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void accept(UsageEvent event) {
    events.add(event);
  }

  UsageEvent last() {
    return events.get(events.size() - 1);
  }
}
