package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.sink.UsageRejectedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class PostgresStoreBehaviourTest extends StoreBehaviourTest {
  @Override
  protected String freshUrl() {
    return EmbeddedPg.newDatabaseUrl();
  }

  /** One writer here; {@link PostgresParallelWritersBehaviourTest} runs the same with several. */
  @Override
  protected JdbcUsageStore open(java.time.Clock clock) {
    return JdbcUsageStore.builder().url(url).clock(clock).writers(1).build();
  }

  @Test
  void worksOnACallersDataSource() throws Exception {
    javax.sql.DataSource ds = EmbeddedPg.server().getDatabase("postgres", EmbeddedPg.newDatabase());
    try (JdbcUsageStore s = JdbcUsageStore.builder().dataSource(ds, Dialect.POSTGRESQL).build()) {
      s.export(TestEvents.varied(8, 40, 2)).get();
      s.export(TestEvents.varied(8, 40, 2)).get();
      UsageReport r =
          s.report(
              UsageQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofHours(2))).build());
      assertThat(r.rows().get(0).measures().requests()).isEqualTo(40);
    }
  }

  @Test
  void textPostgresCannotStoreIsRejectedNotRetried() throws Exception {
    // PostgreSQL text cannot hold NUL; no retry can help, so the pipeline must dead-letter it.
    UsageEvent nul = TestEvents.withNul("nul-1");

    assertThat(store.export(List.of(nul)))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(UsageRejectedException.class);
    // The failed batch left nothing behind, and the store keeps working.
    assertThat(TestEvents.count(url, "tally_event")).isZero();
    store.export(TestEvents.varied(5, 10, 1)).get();
    assertThat(TestEvents.count(url, "tally_event")).isEqualTo(10);
  }
}
