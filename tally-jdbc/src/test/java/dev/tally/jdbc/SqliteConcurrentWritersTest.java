package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two writers on one SQLite file: a pipeline feeding one store, and a second store exporting
 * directly, as a second application instance would. WAL, the busy timeout and {@code BEGIN
 * IMMEDIATE} must serialize them without a single "database is locked" failure.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteConcurrentWritersTest {
  private static final int PER_WRITER = 20_000;

  @TempDir Path dir;

  @Test
  void pipelineAndSecondWriterOnOneFileNeverSeeLockedAndLoseNothing() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("shared.db");
    Instant at = Instant.parse("2026-03-01T10:00:00Z");
    ExecutorService second = Executors.newSingleThreadExecutor();
    try (JdbcUsageStore first = JdbcUsageStore.builder().url(url).build();
        JdbcUsageStore other = JdbcUsageStore.builder().url(url).build()) {
      UsagePipeline pipeline =
          UsagePipeline.builder(first)
              .batchSize(250)
              .queueCapacity(2 * PER_WRITER)
              .maxRetries(0)
              .spoolDirectory(dir.resolve("spool"))
              .build();

      Future<List<Throwable>> secondWriter =
          second.submit(
              () -> {
                List<Throwable> failures = new ArrayList<>();
                for (int b = 0; b < PER_WRITER / 100; b++) {
                  List<UsageEvent> batch = new ArrayList<>(100);
                  for (int i = 0; i < 100; i++) {
                    batch.add(event("second-" + (b * 100 + i), at));
                  }
                  CompletableFuture<Void> f = other.export(batch);
                  try {
                    f.get(60, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    failures.add(e);
                  }
                }
                return failures;
              });
      for (int i = 0; i < PER_WRITER; i++) {
        pipeline.submit(event("first-" + i, at));
      }
      pipeline.flush().get(60, TimeUnit.SECONDS);
      List<Throwable> secondFailures = secondWriter.get(60, TimeUnit.SECONDS);
      PipelineStats stats = pipeline.stats();
      pipeline.close();

      assertThat(secondFailures).as("second writer's failed exports").isEmpty();
      assertThat(stats.exportFailures()).as("pipeline export failures").isZero();
      assertThat(stats.spooled()).as("events spooled").isZero();
      assertThat(stats.delivered()).isEqualTo(PER_WRITER);
      assertThat(TestEvents.count(url, "tally_event")).isEqualTo(2L * PER_WRITER);
      UsageReport total =
          other.report(UsageQuery.builder(at.minusSeconds(3600), at.plusSeconds(3600)).build());
      assertThat(total.rows().get(0).measures().requests()).isEqualTo(2L * PER_WRITER);
      assertThat(total.rows().get(0).measures().tokens().input()).isEqualTo(2L * PER_WRITER * 3);
    } finally {
      second.shutdownNow();
    }
  }

  private static UsageEvent event(String id, Instant at) {
    return UsageEvent.builder("chat", TestEvents.CLOCK)
        .id(id)
        .occurredAt(at)
        .subject(id.startsWith("first") ? "a" : "b")
        .tokens(TokenUsage.reported(3, 4))
        .duration(Duration.ofMillis(12))
        .build();
  }
}
