package dev.tally.benchmarks.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.jdbc.PostgresWriteMode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sustained ingest: one writer exporting batches of about 1 KB events ({@code exportBatch}: 1 000
 * per batch, the pipeline's usual size under load; {@code exportLargeBatch}: 10 000), each batch
 * one transaction with its rollup upserts, as the pipeline worker does. The score is events per
 * second. Targets: SQLite in WAL mode with {@code synchronous=FULL} (the default, one fsync per
 * batch), and PostgreSQL 14 (embedded, default durable settings) through multi-row {@code INSERT
 * ... VALUES} (what {@code reWriteBatchedInserts} sends) and through {@code COPY}.
 *
 * <p>Events are built before each batch, outside the measured time; the database keeps growing
 * through the run, as a real ledger does.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 5, time = 10)
@State(Scope.Benchmark)
public class StoreIngestBenchmark {
  static final int BATCH = 1000;
  static final int LARGE_BATCH = 10_000;

  @Param({
    "SQLITE",
    "SQLITE_NORMAL",
    "POSTGRESQL_VALUES",
    "POSTGRESQL_COPY",
    "POSTGRESQL_COPY_2_WRITERS"
  })
  public String target;

  /**
   * Distinct subjects: with 5000, nearly every event of a batch has a rollup row of its own (the
   * costly case); with 50, events share rollup rows.
   */
  @Param({"5000", "50"})
  public int users;

  private Path dir;
  private EmbeddedPostgres postgres;
  private JdbcUsageStore store;
  private final SplittableRandom random = new SplittableRandom(42);
  private final Clock clock = Clock.systemUTC();

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = Files.createTempDirectory("tally-ingest-bench");
    JdbcUsageStore.Builder b = JdbcUsageStore.builder();
    switch (target) {
      case "SQLITE" -> b.url("jdbc:sqlite:" + dir.resolve("ingest.db"));
      case "SQLITE_NORMAL" ->
          b.url("jdbc:sqlite:" + dir.resolve("ingest.db"))
              .sqliteSynchronous(dev.tally.jdbc.SqliteSynchronous.NORMAL);
      default -> {
        postgres = BenchmarkEvents.startPostgres(dir.resolve("pg"), true);
        BenchmarkEvents.createDatabase(postgres, "ingest");
        b.url(postgres.getJdbcUrl("postgres", "ingest"))
            .postgresWriteMode(
                target.startsWith("POSTGRESQL_COPY")
                    ? PostgresWriteMode.COPY
                    : PostgresWriteMode.MULTI_ROW_VALUES)
            .writers(target.equals("POSTGRESQL_COPY_2_WRITERS") ? 2 : 1); // 1 unless named
      }
    }
    store = b.build();
  }

  /** The next batch of {@value StoreIngestBenchmark#BATCH}, built outside the measured time. */
  @State(Scope.Thread)
  public static class Batch {
    List<UsageEvent> next;

    @Setup(Level.Invocation)
    public void build(StoreIngestBenchmark b) {
      next = BenchmarkEvents.batch(b.random, BATCH, b.users, Instant.now(), b.clock);
    }
  }

  /** The next batch of {@value StoreIngestBenchmark#LARGE_BATCH}. */
  @State(Scope.Thread)
  public static class LargeBatch {
    List<UsageEvent> next;

    @Setup(Level.Invocation)
    public void build(StoreIngestBenchmark b) {
      next = BenchmarkEvents.batch(b.random, LARGE_BATCH, b.users, Instant.now(), b.clock);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void exportBatch(Batch batch) throws Exception {
    store.export(batch.next).get(60, TimeUnit.SECONDS);
  }

  @Benchmark
  @OperationsPerInvocation(LARGE_BATCH)
  public void exportLargeBatch(LargeBatch batch) throws Exception {
    store.export(batch.next).get(120, TimeUnit.SECONDS);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    if (postgres != null) {
      postgres.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
