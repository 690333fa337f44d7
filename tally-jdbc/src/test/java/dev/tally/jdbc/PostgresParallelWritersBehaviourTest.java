package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.sink.UsageRejectedException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssertAlternative;
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
    UsageEvent poison = TestEvents.withNul("nul-1");
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
  void aPartWhoseConnectionFailsFailsTheBatchAsRetryableAndTheRetryCountsOnce() throws Exception {
    DataSource flaky = failingBorrows(thread -> thread.startsWith("tally-store-writer-"));
    List<UsageEvent> events = TestEvents.varied(23, 400, 3);
    try (JdbcUsageStore s =
        JdbcUsageStore.builder().dataSource(flaky, Dialect.POSTGRESQL).writers(2).build()) {
      failBorrows = true;

      failsRetryably(s.export(events)).withMessageContaining("database down");
      assertThat(storedEvents(s)).isBetween(1L, 399L);

      failBorrows = false;
      s.export(events).get();

      assertThat(storedEvents(s)).isEqualTo(400);
      assertThat(requests(s)).isEqualTo(400);
    }
  }

  @Test
  void aRetryableFailureOutranksARejectionInAnotherPart() throws Exception {
    // The caller's part (subjects user-0 and user-2) cannot connect; the writer thread's part holds
    // the NUL event (its subject hashes with user-1 and user-3) and is rejected.
    DataSource flaky = failingBorrows(thread -> !thread.startsWith("tally-store-writer-"));
    List<UsageEvent> batch = new ArrayList<>(TestEvents.varied(24, 400, 3));
    batch.add(TestEvents.withNul("nul-2"));
    try (JdbcUsageStore s =
        JdbcUsageStore.builder().dataSource(flaky, Dialect.POSTGRESQL).writers(2).build()) {
      failBorrows = true;

      failsRetryably(s.export(batch))
          .satisfies(
              e ->
                  assertThat(e.getSuppressed())
                      .singleElement()
                      .isInstanceOf(UsageRejectedException.class));
      failBorrows = false;
      assertThat(storedEvents(s)).isZero();
    }
  }

  private volatile boolean failBorrows;

  /**
   * The test database, except that while {@link #failBorrows} is set a borrow on a thread whose
   * name matches fails as if the database were down (a fake for failure injection).
   */
  private DataSource failingBorrows(Predicate<String> threadName) {
    DataSource real = EmbeddedPg.server().getDatabase("postgres", EmbeddedPg.newDatabase());
    return (DataSource)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")
                  && failBorrows
                  && threadName.test(Thread.currentThread().getName())) {
                throw new SQLException("database down (injected)", "08006");
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static long storedEvents(JdbcUsageStore s) {
    return s.events(
            EventQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofHours(4)))
                .limit(1000)
                .build())
        .events()
        .size();
  }

  private static long requests(JdbcUsageStore s) {
    return s.report(
            UsageQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofHours(3))).build())
        .rows()
        .get(0)
        .measures()
        .requests();
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
                    .url("jdbc:sqlite:" + dir.resolve("sub/t.db"))
                    .writers(2)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writers must be 1 for SQLite")
        .hasMessageContaining("was 2");
    // Refused before anything is touched on disk.
    assertThat(dir.resolve("sub")).doesNotExist();
    org.sqlite.SQLiteDataSource sqlite = new org.sqlite.SQLiteDataSource();
    sqlite.setUrl("jdbc:sqlite:" + dir.resolve("t.db"));
    assertThatThrownBy(
            () -> JdbcUsageStore.builder().dataSource(sqlite, Dialect.SQLITE).writers(3).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writers must be 1 for SQLite")
        .hasMessageContaining("was 3");
    assertThatThrownBy(() -> JdbcUsageStore.builder().url(url).writers(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writers must be between 1 and 64, was 0");
  }

  /** The export failed with a failure worth retrying, not a rejection. */
  private static ThrowableAssertAlternative<?> failsRetryably(CompletableFuture<Void> export) {
    return assertThat(export)
        .failsWithin(Duration.ofSeconds(30))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(UsageRejectedException.class);
  }
}
