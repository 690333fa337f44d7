package dev.tally.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.UsageQueries;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import dev.tally.jdbc.internal.Codes;
import dev.tally.jdbc.internal.Connections;
import dev.tally.jdbc.internal.EventReader;
import dev.tally.jdbc.internal.EventWriter;
import dev.tally.jdbc.internal.MoveV2Rows;
import dev.tally.jdbc.internal.ReadSnapshot;
import dev.tally.jdbc.internal.ReportEngine;
import dev.tally.jdbc.internal.Retention;
import dev.tally.jdbc.internal.SqliteUrls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;

/**
 * The usage ledger on a relational database: a {@link UsageSink} that stores each batch in one
 * transaction (on PostgreSQL with several writers, one per part of the batch), and {@link
 * UsageQueries} over what it stored.
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li><b>Exactly once.</b> An event whose id is already stored is ignored ({@code ON CONFLICT DO
 *       NOTHING}); rollups count only rows that were really inserted, so retries and replays never
 *       count twice. On PostgreSQL they are updated in the batch's transaction; on SQLite they are
 *       summed in memory and written every {@link Builder#rollupFlushBatches} batches or {@link
 *       Builder#rollupFlushInterval} with a mark of the last event they hold, and reports read the
 *       events after the mark raw, so they never lag (after a crash the next start folds those
 *       events in once).
 *   <li><b>Durable on completion.</b> {@link #export} completes after the transaction committed. It
 *       does the work on the calling thread (the pipeline's worker; with several PostgreSQL
 *       writers, also on the store's {@code tally-store-writer-*} threads, and it returns only once
 *       every part has committed or failed) and never throws: failures complete the future
 *       exceptionally, with {@link UsageRejectedException} for data the schema will never take and
 *       any other exception for trouble worth retrying.
 *   <li><b>Never a silent zero.</b> The cost columns come from the event's typed {@link
 *       dev.tally.core.event.Cost}: an {@linkplain dev.tally.core.event.Cost#unpriced() unpriced}
 *       event is stored with a NULL cost and counted as unpriced (an attribute never poses as a
 *       cost); events with {@code MISSING} token usage are counted apart.
 * </ul>
 *
 * <p>On PostgreSQL a batch may be written by several writers at once ({@link Builder#writers}): the
 * batch is split by subject, so the parts touch disjoint rollup rows and never wait on each other's
 * locks, and each part is its own transaction. The export completes when every part has committed;
 * if one fails, the export fails and the pipeline retries the whole batch, which the parts already
 * committed ignore as replays.
 *
 * <p>Defaults: SQLite with WAL journaling, {@code synchronous=FULL}, a 30 s busy timeout, {@code
 * BEGIN IMMEDIATE} transactions and {@link SqliteLocking#EXCLUSIVE} (no memory-mapped file, so a
 * disk fault is an I/O error, never a signal); PostgreSQL with a 30 s statement timeout and a 40 s
 * network timeout; Flyway migrations run on {@link Builder#build()}; the system UTC clock. Build
 * one with {@link #builder()} or {@link #sqlite(Path)}.
 */
public final class JdbcUsageStore implements UsageSink, UsageQueries, AutoCloseable {

  /** The earliest instant an event may have: the schema stores epoch nanoseconds in a BIGINT. */
  public static final Instant EARLIEST = Instant.parse("1677-09-22T00:12:44Z");

  /** The latest instant an event may have. */
  public static final Instant LATEST = Instant.parse("2262-04-11T23:47:16Z");

  /** SQLite page cache per connection: 64 MiB, so rollup and index pages stay in memory. */
  private static final int SQLITE_CACHE_KIB = 65_536;

  /**
   * SQLite checkpoints the WAL into the database file once it holds this many pages (40 MiB at 4
   * KiB pages) instead of SQLite's 1000: a batch of 1000 events writes several MiB, so the default
   * checkpointed after nearly every batch, copying hot rollup and index pages again each time.
   */
  private static final int SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;

  /** A batch is split over several writers only when each part gets at least this many events. */
  static final int MIN_EVENTS_PER_WRITER = 32;

  private static final AtomicInteger WRITER_POOLS = new AtomicInteger();

  private final Connections connections;
  private final Codes codes = new Codes();
  private final EventWriter writer;
  // SQLite has one writer, and its deferred rollups are one writer's memory.
  private final ReentrantLock sqliteWrite = new ReentrantLock();
  private final ReportEngine reports;
  private final Clock clock;
  private final int writers;
  private final @Nullable ExecutorService writerPool;
  private final AtomicBoolean closed = new AtomicBoolean();

  private JdbcUsageStore(
      Connections connections,
      Clock clock,
      PostgresWriteMode postgresMode,
      int writers,
      int rollupFlushBatches,
      Duration rollupFlushInterval) {
    this.connections = connections;
    this.clock = clock;
    this.writer =
        new EventWriter(
            connections.dialect(),
            postgresMode,
            codes,
            rollupFlushBatches,
            rollupFlushInterval.toNanos(),
            System.nanoTime());
    this.reports = new ReportEngine();
    this.writers = writers;
    if (writers > 1) {
      int pool = WRITER_POOLS.incrementAndGet();
      AtomicInteger thread = new AtomicInteger();
      // The calling thread writes one part itself; the others go to writers - 1 helpers.
      this.writerPool =
          Executors.newFixedThreadPool(
              writers - 1,
              r -> {
                Thread t =
                    new Thread(r, "tally-store-writer-" + pool + "-" + thread.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    } else {
      this.writerPool = null;
    }
  }

  /** A builder; give it a URL or a data source. */
  public static Builder builder() {
    return new Builder();
  }

  /** A store on the SQLite file at {@code file} (created with its directories), with defaults. */
  public static JdbcUsageStore sqlite(Path file) {
    return builder().url("jdbc:sqlite:" + file.toAbsolutePath()).build();
  }

  /** The dialect this store speaks. */
  /** The connections of this store, for the budget tables that live beside the ledger. */
  Connections connections() {
    return connections;
  }

  public Dialect dialect() {
    return connections.dialect();
  }

  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("Tally JDBC store is shut down"));
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    long recordedAtNs = nowNanos();
    if (writerPool == null || batch.size() < 2 * MIN_EVENTS_PER_WRITER) {
      return answer(writePart(batch, recordedAtNs));
    }
    List<List<UsageEvent>> parts = partitionBySubject(batch);
    List<CompletableFuture<@Nullable RuntimeException>> others = new ArrayList<>(parts.size());
    try {
      for (List<UsageEvent> part : parts.subList(1, parts.size())) {
        others.add(CompletableFuture.supplyAsync(() -> writePart(part, recordedAtNs), writerPool));
      }
    } catch (RejectedExecutionException e) {
      // Shut down while submitting: what was submitted finishes; report the batch as not stored.
      return CompletableFuture.failedFuture(
          new IllegalStateException("Tally JDBC store is shut down", e));
    }
    RuntimeException failure = writePart(parts.get(0), recordedAtNs);
    for (CompletableFuture<@Nullable RuntimeException> other : others) {
      // join() waits without being interruptible: every part ends before the batch is answered.
      // writePart returns its failure instead of throwing.
      failure = worse(failure, other.join());
    }
    return answer(failure);
  }

  private static CompletableFuture<Void> answer(@Nullable RuntimeException failure) {
    return failure == null
        ? CompletableFuture.completedFuture(null)
        : CompletableFuture.failedFuture(failure);
  }

  /**
   * Splits the batch by a hash of the subject into at most {@link #writers} parts of at least
   * {@link #MIN_EVENTS_PER_WRITER}: parts share no rollup row, so their transactions never wait on
   * each other.
   */
  private List<List<UsageEvent>> partitionBySubject(List<UsageEvent> batch) {
    int n = Math.min(writers, batch.size() / MIN_EVENTS_PER_WRITER);
    List<List<UsageEvent>> parts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      parts.add(new ArrayList<>(batch.size() / n + 16));
    }
    // The same id twice in one batch is stored once, the first: decided here, across parts.
    Set<String> seen = new HashSet<>(batch.size() * 2);
    for (UsageEvent e : batch) {
      if (seen.add(e.id())) {
        parts.get(Math.floorMod(e.subject().hashCode() * 0x9E3779B9, n)).add(e);
      }
    }
    parts.removeIf(List::isEmpty);
    return parts;
  }

  /** A failure worth retrying outranks a rejection: retrying the batch may succeed as a whole. */
  private static @Nullable RuntimeException worse(
      @Nullable RuntimeException a, @Nullable RuntimeException b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if (a instanceof UsageRejectedException && !(b instanceof UsageRejectedException)) {
      b.addSuppressed(a);
      return b;
    }
    a.addSuppressed(b);
    return a;
  }

  /** Writes one transaction; returns the failure, classified, or null when it committed. */
  private @Nullable RuntimeException writePart(List<UsageEvent> part, long recordedAtNs) {
    if (dialect() != Dialect.SQLITE) {
      return writeLocked(part, recordedAtNs);
    }
    sqliteWrite.lock();
    try {
      return writeLocked(part, recordedAtNs);
    } finally {
      sqliteWrite.unlock();
    }
  }

  private @Nullable RuntimeException writeLocked(List<UsageEvent> part, long recordedAtNs) {
    Connection c = null;
    try {
      c = connections.borrow();
      writer.write(c, connections.statements(c), part, recordedAtNs, System.nanoTime());
      connections.release(c);
      return null;
    } catch (UsageRejectedException e) {
      if (c != null) {
        connections.release(c);
      }
      return e;
    } catch (SQLException e) {
      if (c != null) {
        connections.discard(c);
      }
      return classify(e);
    } catch (RuntimeException e) {
      if (c != null) {
        connections.discard(c);
      }
      return e;
    }
  }

  private RuntimeException classify(SQLException e) {
    boolean permanent;
    if (dialect() == Dialect.POSTGRESQL) {
      String state = e.getSQLState();
      // Class 22: data exception (bad value, NUL byte); class 23: integrity constraint.
      permanent = state != null && (state.startsWith("22") || state.startsWith("23"));
    } else {
      int code = e.getErrorCode() & 0xff;
      // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH
      permanent = code == 18 || code == 19 || code == 20;
    }
    String message = "Tally JDBC store could not write the batch: " + e.getMessage();
    return permanent
        ? new UsageRejectedException(message, e)
        : new IllegalStateException(message, e);
  }

  private long nowNanos() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /**
   * Events are already durable ({@link #export} completes only after its commit); on SQLite this
   * also writes the deferred rollups now. Never throws: a failure completes the future
   * exceptionally, and the next batch flushes instead.
   */
  @Override
  public CompletableFuture<Void> flush() {
    if (dialect() != Dialect.SQLITE || closed.get()) {
      return CompletableFuture.completedFuture(null);
    }
    writer.requestFlush();
    return answer(writePart(List.of(), nowNanos()));
  }

  /** Rollup keys the SQLite writer holds in memory, not yet flushed (a test hook). */
  int pendingRollupKeys() {
    sqliteWrite.lock();
    try {
      return writer.pendingRollupKeys();
    } finally {
      sqliteWrite.unlock();
    }
  }

  /** Closes the connections the store opened; a caller's data source is left open. Runs once. */
  @Override
  public CompletableFuture<Void> shutdown() {
    if (!closed.get() && dialect() == Dialect.SQLITE) {
      // Fold the deferred rollups in now, so the next start has nothing to re-read.
      writer.requestFlush();
      writePart(List.of(), nowNanos());
    }
    if (closed.compareAndSet(false, true)) {
      if (writerPool != null) {
        writerPool.shutdown();
        try {
          // An export in flight finishes its parts before the connections close.
          writerPool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      connections.close();
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void close() {
    shutdown();
  }

  @Override
  public String name() {
    return "jdbc-" + dialect().name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public UsageReport report(UsageQuery query) {
    Objects.requireNonNull(query, "query");
    // SQLite: the mark, the rollups and the events after the mark from one snapshot.
    return withConnection(c -> ReadSnapshot.read(c, dialect(), List.of(query), reports, codes))
        .get(0);
  }

  /**
   * {@inheritDoc}
   *
   * <p>On SQLite the reports share one deferred read transaction (in WAL mode a reader never blocks
   * the writer); on PostgreSQL one {@code REPEATABLE READ} read-only transaction.
   */
  @Override
  public List<UsageReport> reports(List<UsageQuery> queries) {
    Objects.requireNonNull(queries, "queries");
    List<UsageQuery> all = List.copyOf(queries);
    if (all.size() < 2) {
      return all.stream().map(this::report).toList();
    }
    return withConnection(c -> ReadSnapshot.read(c, dialect(), all, reports, codes));
  }

  /** Raw-event scans run by reports so far: a test hook showing which table answered. */
  long rawScans() {
    return reports.rawScans();
  }

  @Override
  public EventPage events(EventQuery query) {
    Objects.requireNonNull(query, "query");
    return withConnection(c -> EventReader.page(c, query, codes));
  }

  /**
   * Deletes raw events and captured content older than the policy allows, counted back from the
   * store's clock, in batches of {@value Retention#BATCH} rows. Rollups are kept. Blocks until
   * done; safe to run while events are written.
   */
  public RetentionResult applyRetention(RetentionPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    boolean deferred = dialect() == Dialect.SQLITE;
    return withConnection(c -> Retention.apply(c, policy, clock.instant(), deferred));
  }

  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T withConnection(SqlWork<T> work) {
    Connection c;
    try {
      c = connections.borrow();
    } catch (SQLException e) {
      throw new IllegalStateException("Tally JDBC store cannot connect: " + e.getMessage(), e);
    }
    try {
      T result = work.run(c);
      connections.release(c);
      return result;
    } catch (SQLException e) {
      connections.discard(c);
      throw new IllegalStateException("Tally JDBC store query failed: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      connections.release(c);
      throw e;
    }
  }

  /**
   * Builds a {@link JdbcUsageStore}. {@link #build()} validates every value, naming it in the
   * message, connects and runs the migrations.
   */
  public static final class Builder {
    /** Writers per batch on PostgreSQL unless {@link #writers(int)} says otherwise. */
    public static final int DEFAULT_POSTGRES_WRITERS = 2;

    /** PostgreSQL's {@code statement_timeout} on the store's own connections. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * How long a PostgreSQL connection may wait for bytes from the server: longer than {@link
     * #DEFAULT_STATEMENT_TIMEOUT}, so that a slow statement ends with the server's own error and
     * only a server or network that stopped answering trips it.
     */
    public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(40);

    /**
     * SQLite writes its hourly rollups every this many batches (or {@link
     * #DEFAULT_ROLLUP_FLUSH_INTERVAL}, whichever comes first), not with every batch.
     */
    public static final int DEFAULT_ROLLUP_FLUSH_BATCHES = 100;

    /** SQLite writes its hourly rollups at least this often while batches arrive. */
    public static final Duration DEFAULT_ROLLUP_FLUSH_INTERVAL = Duration.ofSeconds(2);

    private @Nullable String url;
    private @Nullable DataSource dataSource;
    private int rollupFlushBatches = DEFAULT_ROLLUP_FLUSH_BATCHES;
    private Duration rollupFlushInterval = DEFAULT_ROLLUP_FLUSH_INTERVAL;
    private @Nullable Dialect dialect;
    private @Nullable String username;
    private @Nullable String password;
    private Clock clock = Clock.systemUTC();
    private SqliteSynchronous synchronous = SqliteSynchronous.FULL;
    private Duration busyTimeout = Duration.ofSeconds(30);
    private PostgresWriteMode postgresWriteMode = PostgresWriteMode.COPY;
    private boolean migrate = true;
    private @Nullable Integer writers;
    private SqliteLocking sqliteLocking = SqliteLocking.EXCLUSIVE;
    private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
    private Duration networkTimeout = DEFAULT_NETWORK_TIMEOUT;

    private Builder() {}

    /** A JDBC URL; the store opens its own connections. The dialect is taken from it. */
    public Builder url(String url) {
      this.url = url;
      return this;
    }

    /** Credentials for {@link #url}. */
    public Builder credentials(String username, String password) {
      this.username = username;
      this.password = password;
      return this;
    }

    /** A data source, normally a pool, with its dialect. The store never closes it. */
    public Builder dataSource(DataSource dataSource, Dialect dialect) {
      this.dataSource = dataSource;
      this.dialect = dialect;
      return this;
    }

    /** The clock stamping {@code recorded_at} and measuring retention. Default: system UTC. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** SQLite's {@code synchronous} pragma. Default {@link SqliteSynchronous#FULL}. */
    public Builder sqliteSynchronous(SqliteSynchronous synchronous) {
      this.synchronous = synchronous;
      return this;
    }

    /** How long a SQLite writer waits for another writer's lock. Default 30 s. */
    public Builder busyTimeout(Duration timeout) {
      this.busyTimeout = timeout;
      return this;
    }

    /**
     * How raw events reach PostgreSQL. Default {@link PostgresWriteMode#COPY}, the faster of the
     * two in the store benchmark ({@code docs/PERFORMANCE-STORE.md}).
     */
    public Builder postgresWriteMode(PostgresWriteMode mode) {
      this.postgresWriteMode = mode;
      return this;
    }

    /**
     * How many transactions may write one batch at once, on separate connections (PostgreSQL only;
     * SQLite has a single writer). Default {@value #DEFAULT_POSTGRES_WRITERS} on PostgreSQL, 1 on
     * SQLite. A batch is split by subject into at most this many parts of at least {@value
     * JdbcUsageStore#MIN_EVENTS_PER_WRITER} events; use it when the database has cores to spare
     * (docs/PERFORMANCE-STORE.md measures 2 on a 2-core machine).
     */
    public Builder writers(int writers) {
      this.writers = writers;
      return this;
    }

    /**
     * Whether other processes may open the SQLite file while the store runs (URL only; a caller's
     * data source is opened as the caller configured it). Default {@link SqliteLocking#EXCLUSIVE}:
     * the WAL index lives in heap memory, so a full disk or an immutable file fails exports with an
     * I/O error instead of killing the process with {@code SIGBUS}; other processes cannot read the
     * file meanwhile. See {@link SqliteLocking}.
     */
    public Builder sqliteLocking(SqliteLocking locking) {
      this.sqliteLocking = locking;
      return this;
    }

    /**
     * PostgreSQL: the server-side {@code statement_timeout} of the connections the store opens from
     * a URL. A statement that runs longer fails and its batch is retried. {@code Duration.ZERO}
     * turns it off. Default {@link #DEFAULT_STATEMENT_TIMEOUT}. (On a caller's data source,
     * configure the pool, e.g. {@code options=-c statement_timeout=30s}.)
     */
    public Builder statementTimeout(Duration timeout) {
      this.statementTimeout = timeout;
      return this;
    }

    /**
     * PostgreSQL: how long any call may wait for the server to send something ({@link
     * Connection#setNetworkTimeout}, on every connection the store uses, a caller's pooled ones
     * included and restored on release), and the login timeout of connections the store opens. A
     * connection that trips it is closed and never reused; the batch is retried. Must be longer
     * than {@link #statementTimeout}. {@code Duration.ZERO} turns it off. Default {@link
     * #DEFAULT_NETWORK_TIMEOUT}.
     */
    public Builder networkTimeout(Duration timeout) {
      this.networkTimeout = timeout;
      return this;
    }

    /**
     * SQLite: how many batches' rollup deltas are summed in memory before they are written, with
     * the rollup mark, in the next batch's transaction. 1 writes them with every batch. Reports
     * never lag meanwhile: they read the events after the mark raw. Default {@value
     * #DEFAULT_ROLLUP_FLUSH_BATCHES}. (PostgreSQL writes rollups with every batch.)
     */
    public Builder rollupFlushBatches(int batches) {
      this.rollupFlushBatches = batches;
      return this;
    }

    /**
     * SQLite: the longest time rollup deltas wait in memory while batches arrive (checked at each
     * batch; {@link JdbcUsageStore#flush()} and shutdown write them at once). Default {@link
     * #DEFAULT_ROLLUP_FLUSH_INTERVAL}.
     */
    public Builder rollupFlushInterval(Duration interval) {
      this.rollupFlushInterval = interval;
      return this;
    }

    /** Whether {@link #build()} runs the Flyway migrations. Default true. */
    public Builder migrate(boolean migrate) {
      this.migrate = migrate;
      return this;
    }

    /**
     * Connects, runs the migrations and returns the store.
     *
     * @throws IllegalArgumentException naming the value that breaks a rule
     * @throws IllegalStateException when the database cannot be reached or migrated
     */
    public JdbcUsageStore build() {
      if ((url == null) == (dataSource == null)) {
        throw new IllegalArgumentException(
            "exactly one of url and dataSource must be set, was url="
                + url
                + ", dataSource="
                + dataSource);
      }
      if (clock == null) {
        throw new IllegalArgumentException("clock must not be null");
      }
      if (synchronous == null) {
        throw new IllegalArgumentException("sqliteSynchronous must not be null");
      }
      if (postgresWriteMode == null) {
        throw new IllegalArgumentException("postgresWriteMode must not be null");
      }
      if (busyTimeout == null
          || busyTimeout.isNegative()
          || busyTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "busyTimeout must be >= 0 and at most "
                + Integer.MAX_VALUE
                + " ms, was "
                + busyTimeout);
      }
      if (sqliteLocking == null) {
        throw new IllegalArgumentException("sqliteLocking must not be null");
      }
      int statementMillis = millis("statementTimeout", statementTimeout);
      int networkMillis = millis("networkTimeout", networkTimeout);
      if (networkMillis > 0 && statementMillis > 0 && networkMillis <= statementMillis) {
        throw new IllegalArgumentException(
            "networkTimeout must be longer than statementTimeout "
                + statementTimeout
                + ", was "
                + networkTimeout);
      }
      if (rollupFlushBatches < 1) {
        throw new IllegalArgumentException(
            "rollupFlushBatches must be > 0, was " + rollupFlushBatches);
      }
      if (rollupFlushInterval == null || rollupFlushInterval.isNegative()) {
        throw new IllegalArgumentException(
            "rollupFlushInterval must be >= 0, was " + rollupFlushInterval);
      }
      if (writers != null && (writers < 1 || writers > 64)) {
        throw new IllegalArgumentException("writers must be between 1 and 64, was " + writers);
      }
      String pragmas =
          "PRAGMA busy_timeout = "
              + busyTimeout.toMillis()
              + ";PRAGMA synchronous = "
              + synchronous
              + ";PRAGMA cache_size = -"
              + SQLITE_CACHE_KIB
              + ";PRAGMA wal_autocheckpoint = "
              + SQLITE_WAL_AUTOCHECKPOINT_PAGES
              // A memory-mapped database file turns an I/O fault into SIGBUS: read and write.
              + ";PRAGMA mmap_size = 0";
      Connections.Timeouts timeouts = new Connections.Timeouts(statementMillis, networkMillis);
      Dialect d = url != null ? Dialect.fromUrl(url) : dialect;
      if (d == null) {
        throw new IllegalArgumentException("dialect must not be null");
      }
      if (url != null && dialect != null && dialect != d) {
        throw new IllegalArgumentException(
            "dialect " + dialect + " does not match url '" + url + "'");
      }
      if (d == Dialect.SQLITE && writers != null && writers > 1) {
        throw new IllegalArgumentException(
            "writers must be 1 for SQLite, which has a single writer, was " + writers);
      }
      Connections connections;
      if (url != null) {
        Properties props = new Properties();
        if (d == Dialect.SQLITE) {
          createParentDirectory(url);
          props.setProperty("journal_mode", "WAL");
          props.setProperty("synchronous", synchronous.name());
          props.setProperty("busy_timeout", Long.toString(busyTimeout.toMillis()));
          props.setProperty("transaction_mode", "IMMEDIATE");
          props.setProperty("foreign_keys", "false");
          // The driver would otherwise run "SELECT last_insert_rowid()" after every INSERT.
          props.setProperty("jdbc.get_generated_keys", "false");
        }
        if (username != null) {
          props.setProperty("user", username);
        }
        if (password != null) {
          props.setProperty("password", password);
        }
        String openUrl =
            d == Dialect.SQLITE && sqliteLocking == SqliteLocking.EXCLUSIVE
                ? SqliteUrls.exclusive(url)
                : url;
        connections = Connections.fromUrl(d, openUrl, props, pragmas, timeouts);
      } else {
        connections = Connections.fromDataSource(d, dataSource, pragmas, timeouts);
      }
      try {
        if (connections.dialect() == Dialect.SQLITE) {
          enableWal(connections);
        }
        if (migrate) {
          boolean sqlite = connections.dialect() == Dialect.SQLITE;
          Flyway.configure(JdbcUsageStore.class.getClassLoader())
              .dataSource(connections.dataSource())
              .locations(
                  "classpath:dev/tally/jdbc/migration/" + (sqlite ? "sqlite" : "postgresql"),
                  "classpath:dev/tally/jdbc/migration/common")
              .placeholders(migrationPlaceholders(sqlite))
              .javaMigrations(new MoveV2Rows(connections.dialect()))
              .table("tally_schema_history")
              .load()
              .migrate();
        }
      } catch (RuntimeException e) {
        connections.close();
        throw new IllegalStateException(
            "Tally JDBC store could not start on " + describe() + ": " + e.getMessage(), e);
      }
      int resolvedWriters =
          writers != null
              ? writers
              : connections.dialect() == Dialect.POSTGRESQL ? DEFAULT_POSTGRES_WRITERS : 1;
      JdbcUsageStore store =
          new JdbcUsageStore(
              connections,
              clock,
              postgresWriteMode,
              resolvedWriters,
              rollupFlushBatches,
              rollupFlushInterval);
      if (connections.dialect() == Dialect.SQLITE) {
        // Events a crash left after the rollup mark are folded in now; if that fails, the first
        // batch does it (the flush stays requested).
        store.writePart(List.of(), store.nowNanos());
      }
      return store;
    }

    /** The type names that make the one V3 migration source fit each dialect. */
    private static Map<String, String> migrationPlaceholders(boolean sqlite) {
      return sqlite
          ? Map.of(
              "blob", "BLOB",
              "seq_pk", "INTEGER PRIMARY KEY",
              "histogram", "BLOB",
              "rollup_options", "WITHOUT ROWID")
          : Map.of(
              "blob", "BYTEA",
              "seq_pk", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
              "histogram", "INTEGER[]",
              "rollup_options", "WITH (fillfactor = 70)");
    }

    private static int millis(String name, @Nullable Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            name + " must be >= 0 and at most " + Integer.MAX_VALUE + " ms, was " + timeout);
      }
      return (int) timeout.toMillis();
    }

    private String describe() {
      return url != null ? "'" + url + "'" : "data source " + dataSource;
    }

    private static void enableWal(Connections connections) {
      try {
        Connection c = connections.borrow();
        try (var st = c.createStatement()) {
          // Persistent in the file; every later connection reads and writes through the WAL.
          st.execute("PRAGMA journal_mode = WAL");
        }
        connections.release(c);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot enable WAL: " + e.getMessage(), e);
      }
    }

    private static void createParentDirectory(String url) {
      String path = url.substring("jdbc:sqlite:".length());
      int q = path.indexOf('?');
      if (q >= 0) {
        path = path.substring(0, q);
      }
      if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) {
        return;
      }
      Path parent = Path.of(path).toAbsolutePath().getParent();
      if (parent != null) {
        try {
          Files.createDirectories(parent);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create directory " + parent, e);
        }
      }
    }
  }
}
