package dev.tally.server.auth;

import dev.tally.server.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * API keys. A key is {@code tly_} followed by 32 random bytes (256 bits) from {@link SecureRandom},
 * base64url-encoded; only its SHA-256 is stored, with a public id ({@code key_} and 16 hex digits)
 * to list and revoke it by. A request looks its key up in the database, or in {@link KeyCache} when
 * the same key was looked up less than {@code tally.server.keys.cache-ttl} ago (default {@value
 * dev.tally.server.ServerSettings.Keys#DEFAULT_CACHE_TTL}): a key revoked through this instance, or
 * expired, is refused from the next request on; one revoked through another instance sharing the
 * database, within the TTL.
 *
 * <p>Why a plain SHA-256 and not bcrypt or Argon2: those slow hashes protect low-entropy secrets
 * (passwords) from guessing. A 256-bit random key cannot be guessed however fast the hash, so a
 * fast, unsalted hash loses nothing, and it lets every request find its key with one indexed lookup
 * instead of a deliberately slow comparison against each stored key. A leaked table still reveals
 * no usable key. The admin key from the environment is held to at least 128 bits ({@link
 * KeyStrength}) for the same reason.
 */
public final class ApiKeys {
  static final String PREFIX = "tly_";
  static final String ID_PREFIX = "key_";

  private final JdbcClient db;
  private final Users users;
  private final KeyUsage usage;
  private final Clock clock;
  private final KeyCache cache;
  private final SecureRandom random = new SecureRandom();

  /** Without a cache: every request asks the database. */
  ApiKeys(JdbcClient db, Users users, KeyUsage usage, Clock clock) {
    this(db, users, usage, clock, new KeyCache(Duration.ZERO, clock));
  }

  ApiKeys(JdbcClient db, Users users, KeyUsage usage, Clock clock, KeyCache cache) {
    this.db = db;
    this.users = users;
    this.usage = usage;
    this.clock = clock;
    this.cache = cache;
  }

  /** A key as created: the only time {@code key} is visible. */
  public record CreatedKey(
      String id, String userId, String key, Instant createdAt, @Nullable Instant expiresAt) {}

  /** A key as listed: never the key nor its hash. */
  public record KeyInfo(
      String id, Instant createdAt, @Nullable Instant lastUsedAt, @Nullable Instant expiresAt) {}

  /** The caller a key belongs to, when the key is known and has not expired. */
  public Optional<Caller> authenticate(String key) {
    return identify(key).map(KeyCaller::caller);
  }

  /** A known, unexpired key: its owner and its public id (for usage read per key). */
  public record KeyCaller(Caller caller, String keyId) {}

  /** {@link #authenticate}, also naming the key's public id. */
  public Optional<KeyCaller> identify(String key) {
    String hash = hash(key);
    KeyCache.Owner owner = cache.get(hash);
    if (owner == null) {
      long version = cache.version();
      owner =
          db.sql(
                  "SELECT u.id, u.email, u.admin, k.id, k.expires_at FROM api_keys k"
                      + " JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?")
              .param(hash)
              .query(
                  (rs, n) ->
                      new KeyCache.Owner(
                          new Caller(rs.getString(1), rs.getString(2), rs.getInt(3) != 0),
                          rs.getString(4),
                          instant(rs.getString(5))))
              .optional()
              .orElse(null);
      if (owner == null) {
        return Optional.empty();
      }
      cache.put(hash, owner, version);
    }
    Instant now = clock.instant();
    if (owner.expiresAt() != null && !owner.expiresAt().isAfter(now)) {
      return Optional.empty();
    }
    usage.used(owner.keyId(), now);
    return Optional.of(new KeyCaller(owner.caller(), owner.keyId()));
  }

  /**
   * Creates a key for a user.
   *
   * @param expiresAt when the key stops working; null for never
   * @throws ApiException 404 when the user does not exist, 400 for an expiry not in the future
   */
  public CreatedKey create(String userId, @Nullable Instant expiresAt) {
    users.require(userId);
    Instant now = clock.instant();
    if (expiresAt != null && !expiresAt.isAfter(now)) {
      throw ApiException.badRequest("expiresAt must be in the future, was '" + expiresAt + "'");
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String id = insert(userId, key, now, expiresAt);
    return new CreatedKey(id, userId, key, now, expiresAt);
  }

  /** The user a key belongs to, by the key's public id; empty for an unknown or revoked key. */
  public Optional<String> owner(String keyId) {
    return db.sql("SELECT user_id FROM api_keys WHERE id = ?")
        .param(keyId)
        .query(String.class)
        .optional();
  }

  /** The public ids of a user's keys; empty for an unknown user. */
  public List<String> ids(String userId) {
    return db.sql("SELECT id FROM api_keys WHERE user_id = ? ORDER BY id")
        .param(userId)
        .query(String.class)
        .list();
  }

  /** The keys of a user, oldest first. */
  public List<KeyInfo> list(String userId) {
    users.require(userId);
    return db
        .sql("SELECT id, created_at, last_used_at, expires_at FROM api_keys WHERE user_id = ?")
        .param(userId)
        .query(
            (rs, n) -> {
              String id = rs.getString(1);
              Instant written = instant(rs.getString(3));
              Instant pending = usage.unwritten(id).orElse(null);
              Instant lastUsed =
                  pending == null || written != null && written.isAfter(pending)
                      ? written
                      : pending;
              return new KeyInfo(
                  id, Instant.parse(rs.getString(2)), lastUsed, instant(rs.getString(4)));
            })
        .list()
        .stream()
        .sorted(Comparator.comparing(KeyInfo::createdAt).thenComparing(KeyInfo::id))
        .toList();
  }

  /**
   * Revokes a key: the next request with it is a 401.
   *
   * @throws ApiException 404 when the user has no key with this id
   */
  public void revoke(String userId, String keyId) {
    int deleted =
        db.sql("DELETE FROM api_keys WHERE id = ? AND user_id = ?").params(keyId, userId).update();
    cache.invalidate(keyId);
    if (deleted == 0) {
      throw ApiException.notFound("user '" + userId + "' has no key '" + keyId + "'");
    }
    usage.forget(keyId);
  }

  /** Stores the hash of a key the caller already has (the admin key from the environment). */
  void add(String userId, String key) {
    if (db.sql("SELECT COUNT(*) FROM api_keys WHERE key_hash = ?")
            .param(hash(key))
            .query(Integer.class)
            .single()
        == 0) {
      insert(userId, key, clock.instant(), null);
    }
  }

  /** Keys a user has. */
  int count(String userId) {
    return db.sql("SELECT COUNT(*) FROM api_keys WHERE user_id = ?")
        .param(userId)
        .query(Integer.class)
        .single();
  }

  /** Removes every key of a user except {@code keep}. */
  void removeAllExcept(String userId, String keep) {
    db.sql("DELETE FROM api_keys WHERE user_id = ? AND key_hash <> ?")
        .params(userId, hash(keep))
        .update();
    cache.clear();
  }

  private String insert(String userId, String key, Instant now, @Nullable Instant expiresAt) {
    byte[] idBytes = new byte[8];
    random.nextBytes(idBytes);
    String id = ID_PREFIX + HexFormat.of().formatHex(idBytes);
    db.sql(
            "INSERT INTO api_keys (key_hash, user_id, created_at, id, expires_at)"
                + " VALUES (?, ?, ?, ?, ?)")
        .params(
            hash(key), userId, now.toString(), id, expiresAt == null ? null : expiresAt.toString())
        .update();
    return id;
  }

  private static @Nullable Instant instant(@Nullable String text) {
    return text == null ? null : Instant.parse(text);
  }

  static String hash(String key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
