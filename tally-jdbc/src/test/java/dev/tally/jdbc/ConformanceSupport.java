package dev.tally.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.sink.UsageSink;
import java.util.ArrayList;
import java.util.List;

/** Reads back everything a store holds, through its own paged event listing. */
final class ConformanceSupport {
  private ConformanceSupport() {}

  static List<UsageEvent> allEvents(UsageSink sink, String url) {
    // The sink may be shut down already; read through a second store on the same database.
    try (JdbcUsageStore reader = JdbcUsageStore.builder().url(url).migrate(false).build()) {
      List<UsageEvent> all = new ArrayList<>();
      String cursor = null;
      do {
        EventPage page =
            reader.events(
                EventQuery.builder(JdbcUsageStore.EARLIEST, JdbcUsageStore.LATEST)
                    .limit(EventQuery.MAX_LIMIT)
                    .cursor(cursor)
                    .build());
        all.addAll(page.events());
        cursor = page.nextCursor();
      } while (cursor != null);
      return all;
    }
  }
}
