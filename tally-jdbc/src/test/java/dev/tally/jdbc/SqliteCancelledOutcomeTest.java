package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageMeasures;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.UsageRow;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cancelled stream round-trips through a real SQLite file and is counted apart from errors. */
class SqliteCancelledOutcomeTest {
  private static final Instant HOUR = TestEvents.CLOCK.instant(); // on the hour

  @TempDir Path dir;
  private JdbcUsageStore store;
  private final List<UsageEvent> tracked = new ArrayList<>();

  @BeforeEach
  void open() {
    store =
        JdbcUsageStore.builder()
            .url("jdbc:sqlite:" + dir.resolve("usage.db"))
            .clock(TestEvents.CLOCK)
            .build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aCancelledStreamIsStoredReadBackAndCountedApartFromErrors() throws Exception {
    UsageTracker tracker = UsageTracker.builder(tracked::add).clock(TestEvents.CLOCK).build();
    tracker
        .startStream("chat", UsageContext.of("alice").withModel("m"))
        .id("cancelled-1")
        .prompt("a prompt that is counted")
        .delivered("half an ans")
        .cancel();
    List<UsageEvent> batch = new ArrayList<>(tracked);
    batch.add(event("ok-1").tokens(TokenUsage.reported(10, 5)).build());
    batch.add(event("ok-2").tokens(TokenUsage.reported(10, 5)).build());
    batch.add(event("err-1").failure(new IllegalStateException("boom")).build());

    store.export(batch).get(30, TimeUnit.SECONDS);

    UsageEvent back =
        store
            .events(
                EventQuery.builder(HOUR.minus(Duration.ofDays(1)), HOUR.plus(Duration.ofDays(1)))
                    .filter(GroupField.OUTCOME, "CANCELLED")
                    .build())
            .events()
            .get(0);
    assertThat(back.id()).isEqualTo("cancelled-1");
    assertThat(back.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(back.error()).isNull();
    assertThat(back.tokens()).isEqualTo(tracked.get(0).tokens());
    assertThat(back.tokens().total()).isPositive();
    assertThat(StreamDetails.of(back)).isEqualTo(StreamDetails.of(tracked.get(0)));

    for (QuerySource source : List.of(QuerySource.ROLLUPS, QuerySource.RAW)) {
      UsageReport report = report(source);
      Map<String, UsageMeasures> byOutcome =
          report.rows().stream()
              .collect(
                  Collectors.toMap(r -> r.group().get(GroupField.OUTCOME), UsageRow::measures));
      assertThat(byOutcome.keySet())
          .as(source.name())
          .containsExactlyInAnyOrder("SUCCESS", "ERROR", "CANCELLED");
      assertThat(byOutcome.get("CANCELLED").requests()).as(source.name()).isEqualTo(1);
      assertThat(byOutcome.get("CANCELLED").errors()).as(source.name()).isZero();
      assertThat(byOutcome.get("ERROR").errors()).as(source.name()).isEqualTo(1);
      assertThat(totals(source).errors()).as(source.name()).isEqualTo(1);
      assertThat(totals(source).requests()).as(source.name()).isEqualTo(4);
    }
  }

  private UsageReport report(QuerySource source) {
    return store.report(
        UsageQuery.builder(HOUR.minus(Duration.ofDays(1)), HOUR.plus(Duration.ofDays(1)))
            .groupBy(GroupField.OUTCOME)
            .source(source)
            .build());
  }

  private UsageMeasures totals(QuerySource source) {
    UsageReport report =
        store.report(
            UsageQuery.builder(HOUR.minus(Duration.ofDays(1)), HOUR.plus(Duration.ofDays(1)))
                .source(source)
                .build());
    assertThat(report.rows()).hasSize(1);
    return report.rows().get(0).measures();
  }

  private static UsageEvent.Builder event(String id) {
    return UsageEvent.builder("chat", TestEvents.CLOCK)
        .id(id)
        .occurredAt(TestEvents.CLOCK.instant())
        .subject("u")
        .model("m");
  }
}
