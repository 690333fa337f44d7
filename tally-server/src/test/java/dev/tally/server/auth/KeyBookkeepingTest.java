package dev.tally.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.server.web.ApiException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keys' last use written in batches, and the V2 migration over data a V1 server left behind: both
 * on a real SQLite file migrated with the server's Flyway scripts.
 */
class KeyBookkeepingTest {
  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @TempDir Path dir;
  SimpleDriverDataSource dataSource;
  JdbcClient db;
  TransactionTemplate tx;

  @BeforeEach
  void database() {
    dataSource =
        new SimpleDriverDataSource(new org.sqlite.JDBC(), "jdbc:sqlite:" + dir.resolve("s.db"));
    db = JdbcClient.create(dataSource);
    tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  void migrate(String target) {
    Flyway.configure()
        .dataSource(dataSource)
        .table("tally_server_schema_history")
        .target(target)
        .load()
        .migrate();
  }

  @Test
  void manyUsesOfAKeyCostOneWriteAtTheNextFlush() {
    migrate("latest");
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Users users = new Users(db, clock);
    KeyUsage usage = new KeyUsage(db, tx, Duration.ofMinutes(1));
    ApiKeys keys = new ApiKeys(db, users, usage, clock);
    users.create("ann", null, false);
    ApiKeys.CreatedKey key = keys.create("ann", null);

    for (int i = 0; i < 1_000; i++) {
      assertThat(keys.authenticate(key.key())).isPresent();
    }

    assertThat(lastUsedInTheTable(key.id())).isNull();
    assertThat(keys.list("ann")).extracting(ApiKeys.KeyInfo::lastUsedAt).containsExactly(NOW);
    assertThat(usage.flush()).isEqualTo(1);
    assertThat(lastUsedInTheTable(key.id())).isEqualTo(NOW.toString());
    assertThat(usage.flush()).as("nothing new to write").isZero();
  }

  @Test
  void aRevokedKeyIsGoneFromTheListAndAuthenticatesNoMore() {
    migrate("latest");
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Users users = new Users(db, clock);
    ApiKeys keys = new ApiKeys(db, users, new KeyUsage(db, tx, Duration.ofMinutes(1)), clock);
    users.create("bo", null, false);
    ApiKeys.CreatedKey first = keys.create("bo", null);
    ApiKeys.CreatedKey second = keys.create("bo", NOW.plusSeconds(60));

    keys.revoke("bo", first.id());

    assertThat(keys.authenticate(first.key())).isEmpty();
    assertThat(keys.authenticate(second.key())).isPresent();
    assertThat(keys.list("bo"))
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.id()).isEqualTo(second.id());
              assertThat(k.expiresAt()).isEqualTo(NOW.plusSeconds(60));
            });
    assertThatThrownBy(() -> keys.revoke("bo", first.id()))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining(first.id());
  }

  @Test
  void theMigrationKeepsKeysAndUsersThatAlreadyClashInCaseAndRefusesNewClashes() {
    migrate("1");
    db.sql("INSERT INTO users (id, admin, created_at) VALUES ('alice', 0, '2026-01-01T00:00:00Z')")
        .update();
    db.sql(
            "INSERT INTO users (id, admin, created_at)"
                + " VALUES ('Alice', 0, '2026-01-02T00:00:00.5Z')")
        .update();
    db.sql("INSERT INTO api_keys (key_hash, user_id, created_at) VALUES (?, 'Alice', ?)")
        .params(ApiKeys.hash("old-key-of-Alice"), "2026-01-02T00:00:00Z")
        .update();
    db.sql(
            "INSERT INTO chat_sessions (id, subject, created_at, updated_at)"
                + " VALUES ('s1', 'alice', '2026-01-01T00:00:00Z', '2026-01-03T10:00:00.123Z')")
        .update();

    migrate("latest");

    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Users users = new Users(db, clock);
    ApiKeys keys = new ApiKeys(db, users, new KeyUsage(db, tx, Duration.ofMinutes(1)), clock);
    assertThat(keys.authenticate("old-key-of-Alice"))
        .hasValueSatisfying(c -> assertThat(c.subject()).isEqualTo("Alice"));
    assertThat(keys.list("Alice"))
        .singleElement()
        .satisfies(k -> assertThat(k.id()).matches("key_[0-9a-f]{16}"));
    assertThat(users.find("alice")).isPresent();
    for (String clash : List.of("ALICE", "aLiCe")) {
      assertThatThrownBy(() -> users.create(clash, null, false))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("'alice'")
          .hasMessageContaining("unique ignoring case");
    }
    assertThat(
            db.sql("SELECT active_ms FROM chat_sessions WHERE id = 's1'")
                .query(Long.class)
                .single())
        .isEqualTo(Instant.parse("2026-01-03T10:00:00.123Z").toEpochMilli());
  }

  private String lastUsedInTheTable(String keyId) {
    return db.sql("SELECT last_used_at FROM api_keys WHERE id = ?")
        .param(keyId)
        .query(String.class)
        .optional()
        .orElse(null);
  }
}
