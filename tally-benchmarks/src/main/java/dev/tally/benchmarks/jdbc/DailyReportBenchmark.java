package dev.tally.benchmarks.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.Window;
import dev.tally.jdbc.JdbcUsageStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A 30-day daily report for one user (window DAY in {@code zone}: Europe/Berlin, across the October
 * DST change, or Asia/Kolkata, whose days start at 18:30 UTC) over a ledger of {@code events}
 * events from {@code users} users spread evenly over the 30 days. {@code rollups} is the store's
 * default answer (source AUTO: hourly rollups, and in Kolkata raw events for the 30 hours a day
 * edge cuts), {@code rawScan} forces the same query over raw events (before 2026-12-01, AUTO
 * answered Kolkata this way). The data set is loaded once into {@code -Dtally.bench.dir} (default
 * the temp directory) and reused by later runs; loading time and rate are printed to stderr. {@code
 * userListing} is a page of one user's newest raw events.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@State(Scope.Benchmark)
public class DailyReportBenchmark {
  /** The data set's span, the same whatever the report's zone. */
  static final ZoneId DATA_ZONE = ZoneId.of("Europe/Berlin");

  static final Instant FROM = LocalDate.of(2026, 10, 2).atStartOfDay(DATA_ZONE).toInstant();
  static final Instant TO = LocalDate.of(2026, 11, 1).atStartOfDay(DATA_ZONE).toInstant();

  @Param({"Europe/Berlin", "Asia/Kolkata"})
  public String zone;

  @Param({"SQLITE", "POSTGRESQL"})
  public String dialect;

  @Param({"10000000"})
  public int events;

  @Param({"1000"})
  public int users;

  private EmbeddedPostgres postgres;
  private JdbcUsageStore store;
  private int nextUser;

  @Setup(Level.Trial)
  public void load() throws Exception {
    Path base =
        Path.of(System.getProperty("tally.bench.dir", System.getProperty("java.io.tmpdir")))
            .resolve("tally-report-v3-" + dialect.toLowerCase() + "-" + events + "-" + users);
    Path marker = base.resolve("loaded");
    boolean loaded = Files.exists(marker);
    Files.createDirectories(base);
    if (dialect.equals("SQLITE")) {
      store = JdbcUsageStore.builder().url("jdbc:sqlite:" + base.resolve("usage.db")).build();
    } else {
      postgres = BenchmarkEvents.startPostgres(base.resolve("pg"), false);
      BenchmarkEvents.createDatabase(postgres, "report");
      store = JdbcUsageStore.builder().url(postgres.getJdbcUrl("postgres", "report")).build();
    }
    if (!loaded) {
      long start = System.nanoTime();
      SplittableRandom r = new SplittableRandom(7);
      Clock clock = Clock.fixed(TO, ZoneOffset.UTC);
      long spanNanos = Duration.between(FROM, TO).toNanos();
      List<UsageEvent> batch = new ArrayList<>(5000);
      for (int i = 0; i < events; i++) {
        Instant at = FROM.plusNanos(spanNanos / events * i);
        batch.add(BenchmarkEvents.reportEvent(r, at, users, clock));
        if (batch.size() == 5000 || i == events - 1) {
          store.export(batch).get(120, TimeUnit.SECONDS);
          batch.clear();
        }
        if (i > 0 && i % 1_000_000 == 0) {
          System.err.printf("loaded %,d events in %.1f s%n", i, (System.nanoTime() - start) / 1e9);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.err.printf(
          "%s: loaded %,d events in %.1f s (%.0f events/s)%n",
          dialect, events, seconds, events / seconds);
      Files.writeString(marker, "loaded " + events + " events in " + seconds + " s\n");
    }
    UsageReport check = report(QuerySource.AUTO, "user-1");
    UsageReport raw = report(QuerySource.RAW, "user-1");
    if (!check.rows().equals(raw.rows())) {
      throw new IllegalStateException("the default and the raw report disagree");
    }
    System.err.printf(
        "%s %s: user-1 has %d daily rows, %,d requests; source %s, %d raw spans%n",
        dialect,
        zone,
        check.rows().size(),
        check.rows().stream().mapToLong(row -> row.measures().requests()).sum(),
        check.source(),
        check.rawSpans().size());
  }

  private UsageReport report(QuerySource source, String user) {
    return store.report(
        UsageQuery.builder(FROM, TO)
            .window(Window.DAY)
            .zone(ZoneId.of(zone))
            .filter(GroupField.SUBJECT, user)
            .source(source)
            .build());
  }

  private String nextUser() {
    nextUser = (nextUser + 7919) % users;
    return "user-" + nextUser;
  }

  @Benchmark
  public UsageReport rollups() {
    return report(QuerySource.AUTO, nextUser());
  }

  @Benchmark
  public UsageReport rawScan() {
    return report(QuerySource.RAW, nextUser());
  }

  /**
   * One user's newest 100 events over the 30 days (a page of the raw listing): there is no
   * per-subject index, so this scans the time index from the newest end and skips other users'
   * events, about {@code users} rows for each one of the user's.
   */
  @Benchmark
  public EventPage userListing() {
    return store.events(
        EventQuery.builder(FROM, TO)
            .filter(GroupField.SUBJECT, nextUser())
            .newestFirst(true)
            .limit(100)
            .build());
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    store.close();
    if (postgres != null) {
      postgres.close();
    }
  }
}
