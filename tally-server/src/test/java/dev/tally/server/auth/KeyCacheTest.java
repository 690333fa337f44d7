package dev.tally.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.test.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The key cache on a real SQLite file migrated with the server's scripts: a key seen moments ago
 * costs no query, yet a key revoked or rotated through this instance, or expired, is refused from
 * the next request on, and one removed behind its back (another instance) once the TTL has passed.
 */
class KeyCacheTest {
  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  static final Duration TTL = Duration.ofSeconds(5);

  @TempDir Path dir;
  JdbcClient db;
  Users users;
  KeyUsage usage;
  final MutableClock clock = new MutableClock(NOW);

  @BeforeEach
  void database() {
    SimpleDriverDataSource dataSource =
        new SimpleDriverDataSource(new org.sqlite.JDBC(), "jdbc:sqlite:" + dir.resolve("s.db"));
    Flyway.configure().dataSource(dataSource).table("tally_server_schema_history").load().migrate();
    db = JdbcClient.create(dataSource);
    users = new Users(db, clock);
    usage =
        new KeyUsage(
            db,
            new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
            Duration.ofMinutes(1));
    users.create("ann", null, false);
  }

  ApiKeys keys(Duration ttl) {
    return new ApiKeys(db, users, usage, clock, new KeyCache(ttl, clock));
  }

  /** What another instance sharing the database does when it revokes a key. */
  void deleteBehindItsBack(String keyId) {
    db.sql("DELETE FROM api_keys WHERE id = ?").param(keyId).update();
  }

  @Test
  void aKeySeenWithinTheTtlIsNotAskedForAgainAndIsAskedForOnceTheTtlHasPassed() {
    ApiKeys keys = keys(TTL);
    ApiKeys.CreatedKey key = keys.create("ann", null);
    assertThat(keys.identify(key.key())).map(ApiKeys.KeyCaller::keyId).contains(key.id());

    deleteBehindItsBack(key.id());

    assertThat(keys.identify(key.key()))
        .as("held for the TTL: no query, so another instance's revoke is not seen yet")
        .map(k -> k.caller().subject())
        .contains("ann");
    clock.advance(TTL.minusMillis(1));
    assertThat(keys.identify(key.key())).isPresent();
    clock.advance(Duration.ofMillis(1));
    assertThat(keys.identify(key.key())).as("looked up again after the TTL: gone").isEmpty();
  }

  @Test
  void aKeyRevokedThroughThisInstanceIsRefusedAtTheNextRequest() {
    ApiKeys keys = keys(TTL);
    ApiKeys.CreatedKey key = keys.create("ann", null);
    ApiKeys.CreatedKey other = keys.create("ann", null);
    assertThat(keys.identify(key.key())).isPresent();
    assertThat(keys.identify(other.key())).isPresent();

    keys.revoke("ann", key.id());

    assertThat(keys.identify(key.key())).isEmpty();
    assertThat(keys.identify(other.key())).as("the other key stays usable").isPresent();
  }

  @Test
  void aRotatedKeyWorksAtOnceAndTheOldOneIsRefused() {
    ApiKeys keys = keys(TTL);
    ApiKeys.CreatedKey old = keys.create("ann", null);
    assertThat(keys.identify(old.key())).isPresent();

    ApiKeys.CreatedKey rotated = keys.create("ann", null);
    keys.revoke("ann", old.id());

    assertThat(keys.identify(rotated.key())).map(ApiKeys.KeyCaller::keyId).contains(rotated.id());
    assertThat(keys.identify(old.key())).isEmpty();
  }

  @Test
  void keysRemovedInBulkAreRefusedAtOnce() {
    ApiKeys keys = keys(TTL);
    ApiKeys.CreatedKey keep = keys.create("ann", null);
    ApiKeys.CreatedKey dropped = keys.create("ann", null);
    assertThat(keys.identify(dropped.key())).isPresent();

    keys.removeAllExcept("ann", keep.key());

    assertThat(keys.identify(dropped.key())).isEmpty();
    assertThat(keys.identify(keep.key())).isPresent();
  }

  @Test
  void anExpiredKeyIsRefusedAlsoWhileItIsHeld() {
    ApiKeys keys = keys(Duration.ofHours(1));
    ApiKeys.CreatedKey key = keys.create("ann", NOW.plusSeconds(60));
    assertThat(keys.identify(key.key())).isPresent();

    clock.advance(Duration.ofSeconds(60));

    assertThat(keys.identify(key.key())).isEmpty();
  }

  @Test
  void anUnknownKeyIsNeverHeldSoAKeyCreatedElsewhereWorksAtOnce() {
    ApiKeys keys = keys(TTL);
    ApiKeys elsewhere = keys(TTL);
    KeyCache cache = new KeyCache(TTL, clock);
    ApiKeys withCache = new ApiKeys(db, users, usage, clock, cache);

    assertThat(withCache.identify("tly_not-a-key")).isEmpty();
    assertThat(cache.size()).isZero();
    ApiKeys.CreatedKey key = elsewhere.create("ann", null);
    assertThat(withCache.identify(key.key())).isPresent();
    assertThat(keys.identify(key.key())).isPresent();
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void withATtlOfZeroEveryRequestAsksTheDatabase() {
    ApiKeys keys = keys(Duration.ZERO);
    ApiKeys.CreatedKey key = keys.create("ann", null);
    assertThat(keys.identify(key.key())).isPresent();

    deleteBehindItsBack(key.id());

    assertThat(keys.identify(key.key())).isEmpty();
  }

  @Test
  void aClockSetBackDoesNotStretchTheTtl() {
    ApiKeys keys = keys(TTL);
    ApiKeys.CreatedKey key = keys.create("ann", null);
    assertThat(keys.identify(key.key())).isPresent();

    deleteBehindItsBack(key.id());
    clock.advance(Duration.ofHours(-1));

    assertThat(keys.identify(key.key())).isEmpty();
  }

  @Test
  void aLookupThatOverlapsARevokeIsNotKept() {
    KeyCache cache = new KeyCache(TTL, clock);
    KeyCache.Owner owner = new KeyCache.Owner(new Caller("ann", null, false), "key_1", null);
    long version = cache.version(); // a request starts its lookup, reads the key from the table

    cache.invalidate("key_1"); // meanwhile the key is revoked
    cache.put("hash-1", owner, version);

    assertThat(cache.get("hash-1")).isNull();
    cache.put("hash-1", owner, cache.version());
    assertThat(cache.get("hash-1")).isEqualTo(owner);
  }

  @Test
  void aNegativeTtlIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> new KeyCache(Duration.ofSeconds(-1), clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tally.server.keys.cache-ttl must be >= 0, was PT-1S");
  }
}
