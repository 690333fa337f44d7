package dev.tally.benchmarks.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
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
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The floor under {@link StoreIngestBenchmark}: what a bare JDBC writer reaches on this machine
 * with no Tally code at all. One writer, batches of {@code batch} plain rows of about 1 KB (a
 * time-ordered UUID-like text id, time, subject among 5 000, operation, model, six {@code bigint}
 * counters and an ~800-character text), one transaction per batch. Each invocation writes {@value
 * #ROWS_PER_INVOCATION} rows (one or more batches); the score is rows per second.
 *
 * <p>Shapes, each adding to the one before:
 *
 * <ul>
 *   <li>{@code PK_ONLY}: the primary key on the id, nothing else.
 *   <li>{@code INDEXED}: plus an index on {@code (occurred_at, id)} and one on {@code (subject,
 *       occurred_at)}, the two the store's queries need.
 *   <li>{@code INDEXED_ROLLUP}: plus, in the same transaction, an hourly rollup row per (hour,
 *       subject, operation, model) upserted for each newly inserted row, summing the counters.
 * </ul>
 *
 * <p>And the physical floor of the compact layout (V3), which the store's figure is compared to:
 *
 * <ul>
 *   <li>{@code APPEND_PACKED}: append-only packed rows: a rowid, the 16-byte binary id, time,
 *       subject and one blob holding everything else (codes, counters, text), no index at all and
 *       no rollups. Not idempotent: a replayed id would be stored twice.
 *   <li>{@code APPEND_PACKED_UNIQUE_ID}: the same plus a unique index on the 16-byte id, inserting
 *       with {@code ON CONFLICT (id) DO NOTHING} (SQLite; on PostgreSQL COPY into a staging table
 *       and one {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING}): the floor with idempotency.
 * </ul>
 *
 * <p>SQLite (WAL, {@code synchronous=FULL}, 64 MiB page cache, {@code wal_autocheckpoint} 10 000,
 * one connection) inserts row by row with {@code ON CONFLICT (id) DO NOTHING}, and in {@code
 * INDEXED_ROLLUP} upserts the rollup row when the insert took. PostgreSQL 14 (embedded, default
 * durable settings) uses {@code COPY FROM STDIN} in text format: straight into the table for the
 * first two shapes (a duplicate id would fail the batch, so this is a floor, not the idempotent
 * shape), and for {@code INDEXED_ROLLUP} into a temporary staging table followed by one statement,
 * {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING} feeding {@code INSERT ... SELECT
 * ... GROUP BY ... ON CONFLICT DO UPDATE}, which is the idempotent shape.
 *
 * <p>The batch's values are generated before each invocation, outside the measured time; encoding
 * them (binding, COPY text) is measured, as a real writer must do it. Event times are the wall
 * clock, so a run's rollup rows all fall into an hour or two, as in production.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 10)
@State(Scope.Benchmark)
public class StoreFloorBenchmark {
  static final int USERS = 5000;
  static final int ROWS_PER_INVOCATION = 10_000;
  private static final long HOUR_MS = 3_600_000L;
  private static final String[] OPERATIONS = {"chat", "summarize"};
  private static final String[] MODELS = {"gpt-4o-mini-2024-07-18", "claude-3-5-sonnet-20241022"};
  private static final String TEXT = text();

  @Param({"SQLITE", "POSTGRESQL"})
  public String target;

  @Param({"APPEND_PACKED", "APPEND_PACKED_UNIQUE_ID", "PK_ONLY", "INDEXED", "INDEXED_ROLLUP"})
  public String shape;

  @Param({"1000", "10000"})
  public int batch;

  private Path dir;
  private EmbeddedPostgres postgres;
  private Connection connection;
  private Writer writer;
  private final SplittableRandom random = new SplittableRandom(42);
  private long sequence;
  private Rows rows;

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = Files.createTempDirectory("tally-floor-bench");
    boolean rollup = shape.equals("INDEXED_ROLLUP");
    boolean indexed = !shape.equals("PK_ONLY");
    boolean packed = shape.startsWith("APPEND_PACKED");
    boolean uniqueId = shape.equals("APPEND_PACKED_UNIQUE_ID");
    if (target.equals("SQLITE")) {
      connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("floor.db"));
      try (Statement st = connection.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
        st.execute("PRAGMA cache_size=-65536");
        st.execute("PRAGMA wal_autocheckpoint=10000");
      }
      if (packed) {
        createPackedSchema(connection, uniqueId, "BLOB");
        writer = new SqlitePackedWriter(connection, uniqueId);
      } else {
        createSchema(connection, indexed, rollup);
        writer = new SqliteWriter(connection, rollup);
      }
    } else {
      postgres = BenchmarkEvents.startPostgres(dir.resolve("pg"), true);
      BenchmarkEvents.createDatabase(postgres, "floor");
      connection = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "floor"));
      if (packed) {
        createPackedSchema(connection, uniqueId, "BYTEA");
        connection.setAutoCommit(false);
        writer = new PostgresPackedWriter(connection, uniqueId);
      } else {
        createSchema(connection, indexed, rollup);
        connection.setAutoCommit(false);
        writer = new PostgresWriter(connection, rollup);
      }
    }
    rows = new Rows(ROWS_PER_INVOCATION);
  }

  @Setup(Level.Invocation)
  public void nextBatch() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < rows.size; i++) {
      long seq = sequence++;
      int rnd = random.nextInt();
      rows.id[i] = uuid7(now, seq, rnd);
      rows.idMsb[i] = (now << 16) | 0x7000L;
      rows.idLsb[i] = 0x8000_0000_0000_0000L | ((seq & 0x3FFF_FFFFL) << 32) | (rnd & 0xFFFF_FFFFL);
      rows.occurredAt[i] = now;
      rows.subject[i] = "user-" + random.nextInt(USERS);
      rows.operation[i] = OPERATIONS[random.nextInt(10) < 8 ? 0 : 1];
      rows.model[i] = MODELS[random.nextInt(2)];
      long[] c = rows.counters[i];
      c[0] = 200 + random.nextInt(4000);
      c[1] = random.nextInt(1024);
      c[2] = 50 + random.nextInt(1500);
      c[3] = random.nextInt(200);
      c[4] = random.nextInt(64);
      c[5] = 80 + random.nextInt(8000);
      int from = random.nextInt(TEXT.length() - 840);
      rows.payload[i] = TEXT.substring(from, from + 760 + random.nextInt(80));
    }
  }

  @Benchmark
  @OperationsPerInvocation(ROWS_PER_INVOCATION)
  public void write() throws Exception {
    for (int from = 0; from < rows.size; from += batch) {
      writer.write(rows, from, Math.min(from + batch, rows.size));
    }
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    try (Statement st = connection.createStatement()) {
      long events =
          count(
              st,
              "SELECT count(*) FROM "
                  + (shape.startsWith("APPEND_PACKED") ? "floor_packed" : "floor_events"));
      String line = "floor_events rows at the end: " + events;
      if (shape.equals("INDEXED_ROLLUP")) {
        long rolled = count(st, "SELECT sum(events) FROM floor_rollup");
        line += ", rollup rows " + count(st, "SELECT count(*) FROM floor_rollup");
        line += ", events counted in rollups " + rolled;
        if (rolled != events) {
          line += " MISMATCH";
        }
      }
      System.err.println(line);
    }
    if (!connection.getAutoCommit()) {
      connection.commit();
    }
    writer.close();
    connection.close();
    if (postgres != null) {
      postgres.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static long count(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void createSchema(Connection c, boolean indexed, boolean rollup)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE floor_events (id TEXT PRIMARY KEY, occurred_at BIGINT NOT NULL,"
              + " subject TEXT NOT NULL, operation TEXT NOT NULL, model TEXT NOT NULL,"
              + " input_tokens BIGINT NOT NULL, cached_input_tokens BIGINT NOT NULL,"
              + " output_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,"
              + " cache_write_tokens BIGINT NOT NULL, duration_ms BIGINT NOT NULL,"
              + " payload TEXT NOT NULL)");
      if (indexed) {
        st.execute("CREATE INDEX floor_events_time ON floor_events (occurred_at, id)");
        st.execute("CREATE INDEX floor_events_subject ON floor_events (subject, occurred_at)");
      }
      if (rollup) {
        st.execute(
            "CREATE TABLE floor_rollup (hour BIGINT NOT NULL, subject TEXT NOT NULL,"
                + " operation TEXT NOT NULL, model TEXT NOT NULL, events BIGINT NOT NULL,"
                + " input_tokens BIGINT NOT NULL, cached_input_tokens BIGINT NOT NULL,"
                + " output_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,"
                + " cache_write_tokens BIGINT NOT NULL, duration_ms BIGINT NOT NULL,"
                + " PRIMARY KEY (hour, subject, operation, model))");
      }
    }
  }

  /** One batch's values, column by column, reused between invocations. */
  static final class Rows {
    final int size;
    final String[] id;
    final long[] idMsb;
    final long[] idLsb;
    final long[] occurredAt;
    final String[] subject;
    final String[] operation;
    final String[] model;
    final long[][] counters;
    final String[] payload;

    Rows(int size) {
      this.size = size;
      id = new String[size];
      idMsb = new long[size];
      idLsb = new long[size];
      occurredAt = new long[size];
      subject = new String[size];
      operation = new String[size];
      model = new String[size];
      counters = new long[size][6];
      payload = new String[size];
    }
  }

  private static void createPackedSchema(Connection c, boolean uniqueId, String blob)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE floor_packed (seq "
              + (blob.equals("BLOB")
                  ? "INTEGER PRIMARY KEY"
                  : "BIGINT GENERATED ALWAYS AS IDENTITY")
              + ", id "
              + blob
              + " NOT NULL, occurred_at BIGINT NOT NULL, subject TEXT NOT NULL, packed "
              + blob
              + " NOT NULL)");
      if (uniqueId) {
        st.execute("CREATE UNIQUE INDEX floor_packed_id ON floor_packed (id)");
      }
    }
  }

  /** The 16 bytes of a row's id. */
  static byte[] idBytes(Rows rows, int i) {
    return java.nio.ByteBuffer.allocate(16).putLong(rows.idMsb[i]).putLong(rows.idLsb[i]).array();
  }

  /** The row's cold part as one blob: two codes, six varint counters, the text as UTF-8. */
  static byte[] pack(Rows rows, int i, java.io.ByteArrayOutputStream buf) {
    buf.reset();
    buf.write(rows.operation[i] == OPERATIONS[0] ? 1 : 2);
    buf.write(rows.model[i] == MODELS[0] ? 1 : 2);
    for (long v : rows.counters[i]) {
      while ((v & ~0x7FL) != 0) {
        buf.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      buf.write((int) v);
    }
    buf.writeBytes(rows.payload[i].getBytes(StandardCharsets.UTF_8));
    return buf.toByteArray();
  }

  /** Append-only packed rows, one transaction per batch. */
  private static final class SqlitePackedWriter implements Writer {
    private final Statement control;
    private final PreparedStatement insert;
    private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(1200);

    SqlitePackedWriter(Connection c, boolean uniqueId) throws SQLException {
      control = c.createStatement();
      insert =
          c.prepareStatement(
              "INSERT INTO floor_packed (id, occurred_at, subject, packed) VALUES (?, ?, ?, ?)"
                  + (uniqueId ? " ON CONFLICT (id) DO NOTHING" : ""));
    }

    @Override
    public void write(Rows rows, int from, int to) throws SQLException {
      control.execute("BEGIN");
      try {
        for (int i = from; i < to; i++) {
          insert.setBytes(1, idBytes(rows, i));
          insert.setLong(2, rows.occurredAt[i]);
          insert.setString(3, rows.subject[i]);
          insert.setBytes(4, pack(rows, i, buf));
          insert.executeUpdate();
        }
        control.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        control.execute("ROLLBACK");
        throw e;
      }
    }

    @Override
    public void close() throws SQLException {
      insert.close();
      control.close();
    }
  }

  /**
   * COPY (text format, bytea as hex) straight into the table, or with the unique id through a
   * staging table and {@code INSERT ... SELECT ... ON CONFLICT (id) DO NOTHING}.
   */
  private static final class PostgresPackedWriter implements Writer {
    private final Connection connection;
    private final CopyManager copy;
    private final String copySql;
    private final PreparedStatement merge;
    private final StringBuilder text = new StringBuilder(1 << 20);
    private final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(1200);

    PostgresPackedWriter(Connection c, boolean uniqueId) throws SQLException {
      connection = c;
      copy = c.unwrap(PGConnection.class).getCopyAPI();
      if (uniqueId) {
        try (Statement st = c.createStatement()) {
          st.execute(
              "CREATE TEMP TABLE floor_stage (id BYTEA, occurred_at BIGINT, subject TEXT,"
                  + " packed BYTEA) ON COMMIT DELETE ROWS");
        }
        c.commit();
        copySql = "COPY floor_stage (id, occurred_at, subject, packed) FROM STDIN";
        merge =
            c.prepareStatement(
                "INSERT INTO floor_packed (id, occurred_at, subject, packed)"
                    + " SELECT id, occurred_at, subject, packed FROM floor_stage"
                    + " ON CONFLICT (id) DO NOTHING");
      } else {
        copySql = "COPY floor_packed (id, occurred_at, subject, packed) FROM STDIN";
        merge = null;
      }
    }

    @Override
    public void write(Rows rows, int from, int to) throws Exception {
      text.setLength(0);
      for (int i = from; i < to; i++) {
        hexBytea(idBytes(rows, i));
        text.append('\t').append(rows.occurredAt[i]).append('\t');
        text.append(rows.subject[i]).append('\t');
        hexBytea(pack(rows, i, buf));
        text.append('\n');
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      try {
        copy.copyIn(copySql, new ByteArrayInputStream(bytes), 1 << 16);
        if (merge != null) {
          merge.executeUpdate();
        }
        connection.commit();
      } catch (SQLException | IOException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }

    private void hexBytea(byte[] b) {
      text.append("\\\\x");
      for (byte x : b) {
        text.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
      }
    }

    @Override
    public void close() throws SQLException {
      if (merge != null) {
        merge.close();
      }
    }
  }

  private interface Writer {
    /** Writes rows {@code from} (inclusive) to {@code to} (exclusive) as one transaction. */
    void write(Rows rows, int from, int to) throws Exception;

    void close() throws SQLException;
  }

  /** Row by row on one connection, {@code BEGIN}/{@code COMMIT} around the batch. */
  private static final class SqliteWriter implements Writer {
    private final Statement control;
    private final PreparedStatement insert;
    private final PreparedStatement upsert;

    SqliteWriter(Connection c, boolean rollup) throws SQLException {
      control = c.createStatement();
      insert =
          c.prepareStatement(
              "INSERT INTO floor_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT (id) DO NOTHING");
      upsert =
          rollup
              ? c.prepareStatement(
                  "INSERT INTO floor_rollup VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (hour, subject, operation, model) DO UPDATE SET"
                      + " events = events + 1,"
                      + " input_tokens = input_tokens + excluded.input_tokens,"
                      + " cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,"
                      + " output_tokens = output_tokens + excluded.output_tokens,"
                      + " reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,"
                      + " cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,"
                      + " duration_ms = duration_ms + excluded.duration_ms")
              : null;
    }

    @Override
    public void write(Rows rows, int from, int to) throws SQLException {
      control.execute("BEGIN");
      try {
        for (int i = from; i < to; i++) {
          long[] c = rows.counters[i];
          insert.setString(1, rows.id[i]);
          insert.setLong(2, rows.occurredAt[i]);
          insert.setString(3, rows.subject[i]);
          insert.setString(4, rows.operation[i]);
          insert.setString(5, rows.model[i]);
          for (int k = 0; k < 6; k++) {
            insert.setLong(6 + k, c[k]);
          }
          insert.setString(12, rows.payload[i]);
          if (insert.executeUpdate() == 1 && upsert != null) {
            upsert.setLong(1, rows.occurredAt[i] / HOUR_MS * HOUR_MS);
            upsert.setString(2, rows.subject[i]);
            upsert.setString(3, rows.operation[i]);
            upsert.setString(4, rows.model[i]);
            for (int k = 0; k < 6; k++) {
              upsert.setLong(5 + k, c[k]);
            }
            upsert.executeUpdate();
          }
        }
        control.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        control.execute("ROLLBACK");
        throw e;
      }
    }

    @Override
    public void close() throws SQLException {
      insert.close();
      if (upsert != null) {
        upsert.close();
      }
      control.close();
    }
  }

  /** {@code COPY FROM STDIN} in text format, one transaction per batch. */
  private static final class PostgresWriter implements Writer {
    private final Connection connection;
    private final CopyManager copy;
    private final String copySql;
    private final PreparedStatement merge;
    private final StringBuilder text = new StringBuilder(1 << 20);

    PostgresWriter(Connection c, boolean rollup) throws SQLException {
      connection = c;
      copy = c.unwrap(PGConnection.class).getCopyAPI();
      if (rollup) {
        try (Statement st = c.createStatement()) {
          st.execute(
              "CREATE TEMP TABLE floor_stage (LIKE floor_events INCLUDING DEFAULTS)"
                  + " ON COMMIT DELETE ROWS");
        }
        c.commit();
        copySql = "COPY floor_stage FROM STDIN";
        merge =
            c.prepareStatement(
                "WITH ins AS (INSERT INTO floor_events SELECT * FROM floor_stage"
                    + " ON CONFLICT (id) DO NOTHING"
                    + " RETURNING occurred_at, subject, operation, model, input_tokens,"
                    + " cached_input_tokens, output_tokens, reasoning_tokens,"
                    + " cache_write_tokens, duration_ms)"
                    + " INSERT INTO floor_rollup"
                    + " SELECT occurred_at / 3600000 * 3600000, subject, operation, model,"
                    + " count(*), sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint,"
                    + " sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint,"
                    + " sum(cache_write_tokens)::bigint, sum(duration_ms)::bigint"
                    + " FROM ins GROUP BY 1, 2, 3, 4"
                    + " ON CONFLICT (hour, subject, operation, model) DO UPDATE SET"
                    + " events = floor_rollup.events + excluded.events,"
                    + " input_tokens = floor_rollup.input_tokens + excluded.input_tokens,"
                    + " cached_input_tokens = floor_rollup.cached_input_tokens"
                    + " + excluded.cached_input_tokens,"
                    + " output_tokens = floor_rollup.output_tokens + excluded.output_tokens,"
                    + " reasoning_tokens = floor_rollup.reasoning_tokens"
                    + " + excluded.reasoning_tokens,"
                    + " cache_write_tokens = floor_rollup.cache_write_tokens"
                    + " + excluded.cache_write_tokens,"
                    + " duration_ms = floor_rollup.duration_ms + excluded.duration_ms");
      } else {
        copySql = "COPY floor_events FROM STDIN";
        merge = null;
      }
    }

    @Override
    public void write(Rows rows, int from, int to) throws Exception {
      text.setLength(0);
      for (int i = from; i < to; i++) {
        text.append(rows.id[i]).append('\t').append(rows.occurredAt[i]).append('\t');
        escape(rows.subject[i]);
        text.append('\t');
        escape(rows.operation[i]);
        text.append('\t');
        escape(rows.model[i]);
        for (long v : rows.counters[i]) {
          text.append('\t').append(v);
        }
        text.append('\t');
        escape(rows.payload[i]);
        text.append('\n');
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      try {
        copy.copyIn(copySql, new ByteArrayInputStream(bytes), 1 << 16);
        if (merge != null) {
          merge.executeUpdate();
        }
        connection.commit();
      } catch (SQLException | IOException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }

    /** COPY text format: backslash, tab, newline and carriage return escaped. */
    private void escape(String s) {
      int start = 0;
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        String rep =
            switch (ch) {
              case '\\' -> "\\\\";
              case '\t' -> "\\t";
              case '\n' -> "\\n";
              case '\r' -> "\\r";
              default -> null;
            };
        if (rep != null) {
          text.append(s, start, i).append(rep);
          start = i + 1;
        }
      }
      text.append(s, start, s.length());
    }

    @Override
    public void close() throws SQLException {
      if (merge != null) {
        merge.close();
      }
    }
  }

  /**
   * A UUIDv7-shaped id: 48-bit milliseconds, version 7, then the variant, a 30-bit sequence and 32
   * random bits, so ids sort by time and then by generation order, and never repeat in a run.
   */
  static String uuid7(long millis, long sequence, int random) {
    long msb = (millis << 16) | 0x7000L;
    long lsb = 0x8000_0000_0000_0000L | ((sequence & 0x3FFF_FFFFL) << 32) | (random & 0xFFFF_FFFFL);
    char[] out = new char[36];
    hex(msb >>> 32, 8, out, 0);
    out[8] = '-';
    hex(msb >>> 16, 4, out, 9);
    out[13] = '-';
    hex(msb, 4, out, 14);
    out[18] = '-';
    hex(lsb >>> 48, 4, out, 19);
    out[23] = '-';
    hex(lsb, 12, out, 24);
    return new String(out);
  }

  private static void hex(long value, int digits, char[] out, int at) {
    for (int i = digits - 1; i >= 0; i--) {
      out[at + i] = Character.forDigit((int) (value & 0xF), 16);
      value >>>= 4;
    }
  }

  /** About 1 700 characters of varied prose; each row's payload is a window of it. */
  private static String text() {
    String[] words = {
      "refund",
      "annual",
      "plan",
      "currency",
      "assistant",
      "quoted",
      "policy",
      "page",
      "offered",
      "prorated",
      "billing",
      "portal",
      "invoice",
      "question",
      "answered",
      "knowledge",
      "base",
      "customer",
      "upgrade",
      "seats",
      "team",
      "export",
      "report",
      "token",
      "limit",
      "reached",
      "retry",
      "later",
      "summary",
      "thread",
      "attachment",
      "language",
      "support",
      "ticket"
    };
    SplittableRandom r = new SplittableRandom(7);
    StringBuilder b = new StringBuilder(1800);
    while (b.length() < 1700) {
      b.append(words[r.nextInt(words.length)]).append(r.nextInt(8) == 0 ? ". " : " ");
    }
    return b.toString();
  }
}
