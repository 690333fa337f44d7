package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch read from the journal and not yet settled: which of its events are settled (delivered or
 * dead-lettered), so a retry after a partial failure sends only the rest, and the journal position
 * to checkpoint once all are.
 */
final class PendingBatch {
  final List<UsageEvent> events;
  final JournalPosition end;

  /** The first {@code replayedPrefix} events were found in the journal at start. */
  final int replayedPrefix;

  private final boolean[] settled;
  private int unsettled;

  PendingBatch(List<UsageEvent> events, JournalPosition end, int replayedPrefix) {
    this.events = events;
    this.end = end;
    this.replayedPrefix = replayedPrefix;
    this.settled = new boolean[events.size()];
    this.unsettled = events.size();
  }

  boolean done() {
    return unsettled == 0;
  }

  void settle(int index) {
    if (!settled[index]) {
      settled[index] = true;
      unsettled--;
    }
  }

  boolean replayed(int index) {
    return index < replayedPrefix;
  }

  /** Indexes of the events not settled yet, in order. */
  int[] unsettledIndexes() {
    int[] indexes = new int[unsettled];
    int n = 0;
    for (int i = 0; i < settled.length; i++) {
      if (!settled[i]) {
        indexes[n++] = i;
      }
    }
    return indexes;
  }

  List<UsageEvent> eventsAt(int[] indexes, int from, int to) {
    if (from == 0 && to == events.size()) {
      return events;
    }
    List<UsageEvent> list = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      list.add(events.get(indexes[i]));
    }
    return list;
  }
}
