package dev.tally.core.query;

import dev.tally.core.event.UsageEvent;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A page of raw events.
 *
 * @param events the events, oldest first
 * @param nextCursor an opaque cursor for the next page, or null when this is the last page. The
 *     cursor is stable: events stored later before the cursor's position never shift later pages.
 */
public record EventPage(List<UsageEvent> events, @Nullable String nextCursor) {
  public EventPage {
    events = List.copyOf(events);
  }
}
