package dev.tally.jdbc;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Event factories and table dumps shared by the store tests. */
final class TestEvents {
  static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);

  private TestEvents() {}

  /** A varied, reproducible set of events over {@code hours} hours from {@link #T0}. */
  static List<UsageEvent> varied(long seed, int count, int hours) {
    Random r = new Random(seed);
    List<UsageEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      UsageEvent.Builder b =
          UsageEvent.builder(r.nextBoolean() ? "chat" : "embed", CLOCK)
              .id("ev-" + seed + "-" + i)
              .occurredAt(T0.plusMillis((long) (r.nextDouble() * hours * 3_600_000L)))
              .subject("user-" + r.nextInt(4))
              .model(r.nextInt(4) == 0 ? null : "model-" + r.nextInt(2))
              .duration(Duration.ofNanos((long) Math.exp(r.nextDouble() * 22)));
      switch (r.nextInt(3)) {
        case 0 -> b.tokens(TokenUsage.missing());
        case 1 -> b.tokens(TokenUsage.reported(r.nextInt(2000), r.nextInt(800)));
        default ->
            b.tokens(
                TokenUsage.builder(UsageSource.ESTIMATED)
                    .input(r.nextInt(1000))
                    .cachedInput(r.nextInt(500))
                    .cacheWrite(r.nextInt(50))
                    .output(r.nextInt(700))
                    .reasoning(r.nextInt(300))
                    .build());
      }
      if (r.nextInt(5) == 0) {
        b.failure(new ErrorInfo("java.io.IOException", "boom " + i));
      }
      if (r.nextInt(3) != 0) {
        String currency = r.nextBoolean() || r.nextInt(4) != 0 ? "USD" : "EUR";
        b.cost(Cost.of(new BigDecimal("0.00" + r.nextInt(100000)), currency));
      }
      if (r.nextInt(10) == 0) {
        b.content(ContentSummary.of("question " + i, "answer " + i));
      }
      events.add(b.build());
    }
    return events;
  }

  /** Every row of a table, ordered by all columns, as strings; for before/after comparisons. */
  static List<List<String>> dump(String url, String table, String orderBy) throws Exception {
    List<List<String>> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM " + table + " ORDER BY " + orderBy)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.add(md.getColumnName(i) + "=" + rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** An event PostgreSQL refuses for good: its text columns cannot hold a NUL character. */
  static UsageEvent withNul(String id) {
    return UsageEvent.builder("chat", CLOCK).id(id).occurredAt(T0).subject("a\u0000b").build();
  }

  static long count(String url, String table) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
