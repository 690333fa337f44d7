package dev.tally.benchmarks.jdbc;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Event factories and an embedded PostgreSQL for the store benchmarks. */
final class BenchmarkEvents {
  private static final String NOTE =
      "Customer asked about the refund policy for an annual plan bought in another currency; the"
          + " assistant quoted the policy page, offered a prorated refund and linked the billing"
          + " portal. Follow-up question about invoices was answered from the knowledge base. ";

  private BenchmarkEvents() {}

  /**
   * A realistic chat event of about 1 KB as stored (ids, user, session, model, five token
   * categories, cost, and a handful of attributes), with a UUIDv7 id.
   */
  static UsageEvent ingestEvent(SplittableRandom r, int users, Instant at, Clock clock) {
    int user = r.nextInt(users);
    return UsageEvent.builder(r.nextInt(10) < 8 ? "chat" : "summarize", clock)
        .occurredAt(at)
        .subject("user-" + user)
        .userEmail("user" + user + "@example.com")
        .sessionId("session-" + Long.toHexString(r.nextLong()))
        .tenant("tenant-" + (user % 50))
        .model(r.nextBoolean() ? "gpt-4o-mini-2024-07-18" : "claude-3-5-sonnet-20241022")
        .provider("openai")
        .tokens(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(200 + r.nextInt(4000))
                .cachedInput(r.nextInt(1024))
                .output(50 + r.nextInt(1500))
                .reasoning(r.nextInt(200))
                .build())
        .duration(Duration.ofMillis(80 + r.nextInt(8000)))
        .attribute("route", "/api/v1/chat/{conversationId}/messages")
        .attribute("client", "web-2026.11.3 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15")
        .attribute("region", "eu-west-1")
        .attribute("plan", "pro-annual")
        .attribute("note", NOTE.substring(0, 240 + r.nextInt(NOTE.length() - 240)))
        .cost(
            Cost.of(new BigDecimal("0.00" + (1000 + r.nextInt(90000))), "USD", "openai-2026-10-01"))
        .traceId(Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()))
        .content(ContentSummary.lengths(200 + r.nextInt(2000), 100 + r.nextInt(4000)))
        .build();
  }

  /** A small event for bulk-loading the report data set. */
  static UsageEvent reportEvent(SplittableRandom r, Instant at, int users, Clock clock) {
    return UsageEvent.builder(r.nextInt(10) < 8 ? "chat" : "summarize", clock)
        .occurredAt(at)
        .subject("user-" + r.nextInt(users))
        .model(r.nextBoolean() ? "model-a" : "model-b")
        .tokens(TokenUsage.reported(100 + r.nextInt(2000), 20 + r.nextInt(800)))
        .duration(Duration.ofMillis(50 + r.nextInt(5000)))
        .cost(Cost.of(new BigDecimal("0.00" + (100 + r.nextInt(9000))), "USD"))
        .build();
  }

  static List<UsageEvent> batch(SplittableRandom r, int size, int users, Instant at, Clock clock) {
    List<UsageEvent> batch = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      batch.add(ingestEvent(r, users, at, clock));
    }
    return batch;
  }

  /**
   * An embedded PostgreSQL 14 (zonky) with its default, durable settings, in {@code dataDir} so a
   * loaded data set survives between runs.
   */
  static EmbeddedPostgres startPostgres(Path dataDir, boolean clean) {
    try {
      Files.createDirectories(dataDir);
      return EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(clean)
          .setServerConfig("shared_buffers", "512MB")
          .setServerConfig("max_wal_size", "4GB")
          .setPGStartupWait(Duration.ofSeconds(60))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void createDatabase(EmbeddedPostgres pg, String name) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
        if (rs.next()) {
          return;
        }
      }
      st.execute("CREATE DATABASE " + name);
    }
  }
}
