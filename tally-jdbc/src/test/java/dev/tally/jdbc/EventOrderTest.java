package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventOrderTest {
  @TempDir Path dir;

  @Test
  void newestFirstPagesThroughEveryEventOnceInDescendingOrder() {
    Instant t0 = Instant.parse("2026-11-27T10:00:00Z");
    List<UsageEvent> events =
        IntStream.range(0, 25)
            .mapToObj(
                i ->
                    UsageEvent.builder("chat")
                        .id(String.format("e%02d", i))
                        .occurredAt(t0.plusSeconds(i / 2)) // pairs share a timestamp
                        .subject("alice")
                        .tokens(TokenUsage.reported(1, 1))
                        .build())
            .toList();
    try (JdbcUsageStore store = JdbcUsageStore.sqlite(dir.resolve("tally.db"))) {
      store.export(events).join();

      List<String> seen = new ArrayList<>();
      String cursor = null;
      do {
        EventPage page =
            store.events(
                EventQuery.builder(t0, t0.plusSeconds(3600))
                    .limit(4)
                    .cursor(cursor)
                    .newestFirst(true)
                    .build());
        page.events().forEach(e -> seen.add(e.id()));
        cursor = page.nextCursor();
      } while (cursor != null);

      List<String> expected = new ArrayList<>(events.stream().map(UsageEvent::id).toList());
      java.util.Collections.reverse(expected);
      assertThat(seen).containsExactlyElementsOf(expected);
      assertThat(
              store.events(EventQuery.builder(t0, t0.plusSeconds(3600)).limit(3).build()).events())
          .extracting(UsageEvent::id)
          .containsExactly("e00", "e01", "e02");
    }
  }
}
