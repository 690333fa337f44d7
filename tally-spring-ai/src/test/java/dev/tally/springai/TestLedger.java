package dev.tally.springai;

import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.query.EventQuery;
import dev.tally.jdbc.JdbcUsageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.context.ApplicationContext;

/** Reads the events that reached the real SQLite ledger. */
final class TestLedger {
  private TestLedger() {}

  static List<UsageEvent> events(ApplicationContext context) {
    JdbcUsageStore store = context.getBean(JdbcUsageStore.class);
    return store
        .events(
            EventQuery.builder(Instant.EPOCH, Instant.now().plus(Duration.ofDays(1)))
                .limit(EventQuery.MAX_LIMIT)
                .build())
        .events();
  }

  /** Waits until {@code count} events are stored, flushes, and returns exactly what is stored. */
  static List<UsageEvent> awaitEvents(ApplicationContext context, int count) throws Exception {
    UsagePipeline pipeline = context.getBean(UsagePipeline.class);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              pipeline.flush().get(10, TimeUnit.SECONDS);
              return events(context).size() >= count;
            });
    pipeline.flush().get(10, TimeUnit.SECONDS);
    return events(context);
  }
}
