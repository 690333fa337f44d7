package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.UsageEvent;
import dev.tally.core.UsageRejectedException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every store behaviour (replays, rollups, retention, queries) with batches split over two
 * PostgreSQL writers, plus what only splitting can cause: one part failing while another commits.
 */
class PostgresParallelWritersBehaviourTest extends StoreBehaviourTest {
  @Override
  protected String freshUrl() {
    return EmbeddedPg.newDatabaseUrl();
  }

  @Override
  protected JdbcUsageStore open(Clock clock) {
    return JdbcUsageStore.builder().url(url).clock(clock).writers(2).build();
  }

  @Test
  void aPartThatFailsFailsTheBatchAndTheRetryCountsEveryEventOnce() throws Exception {
    List<UsageEvent> good = TestEvents.varied(21, 400, 3);
    // PostgreSQL text cannot hold NUL: this event's part is rejected, the other part commits.
    UsageEvent poison =
        UsageEvent.builder("chat", TestEvents.CLOCK)
            .id("nul-1")
            .occurredAt(TestEvents.T0)
            .subject("a\u0000b")
            .build();
    List<UsageEvent> batch = new ArrayList<>(good);
    batch.add(200, poison);

    assertThat(store.export(batch))
        .failsWithin(Duration.ofSeconds(30))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(UsageRejectedException.class);
    long storedByTheOtherPart = TestEvents.count(url, "tally_event");
    assertThat(storedByTheOtherPart).isBetween(1L, 399L);

    // What the pipeline does next: split, retry the good events; committed ones are replays.
    store.export(good).get();

    assertThat(TestEvents.count(url, "tally_event")).isEqualTo(400);
    UsageReport report =
        store.report(
            UsageQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofHours(3))).build());
    assertThat(report.rows().get(0).measures().requests()).isEqualTo(400);
  }

  @Test
  void theSameIdTwiceInOneBatchKeepsTheFirstEvenAcrossParts() throws Exception {
    List<UsageEvent> batch = new ArrayList<>(TestEvents.varied(22, 200, 1));
    UsageEvent first =
        UsageEvent.builder("chat", TestEvents.CLOCK)
            .id("twice")
            .occurredAt(TestEvents.T0)
            .subject("first-subject")
            .build();
    UsageEvent second =
        UsageEvent.builder("chat", TestEvents.CLOCK)
            .id("twice")
            .occurredAt(TestEvents.T0)
            .subject("user-0")
            .build();
    batch.add(0, first);
    batch.add(second);

    store.export(batch).get();

    assertThat(TestEvents.count(url, "tally_event")).isEqualTo(201);
    assertThat(
            store
                .events(EventQuery.builder(TestEvents.T0, TestEvents.T0.plusSeconds(1)).build())
                .events())
        .filteredOn(e -> e.id().equals("twice"))
        .singleElement()
        .extracting(UsageEvent::subject)
        .isEqualTo("first-subject");
  }

  @Test
  void sqliteRefusesMoreThanOneWriterNamingTheValue(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                JdbcUsageStore.builder()
                    .url("jdbc:sqlite:" + dir.resolve("t.db"))
                    .writers(2)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writers must be 1 for SQLite")
        .hasMessageContaining("was 2");
    assertThatThrownBy(() -> JdbcUsageStore.builder().url(url).writers(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writers must be between 1 and 64, was 0");
  }
}
