package dev.tally.server.auth;

import dev.tally.server.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Users and their API keys. A key is {@code tly_} followed by 32 random bytes (256 bits) from
 * {@link SecureRandom}, base64url-encoded; only its SHA-256 is stored.
 *
 * <p>Why a plain SHA-256 and not bcrypt or Argon2: those slow hashes protect low-entropy secrets
 * (passwords) from guessing. A 256-bit random key cannot be guessed however fast the hash, so a
 * fast, unsalted hash loses nothing, and it lets every request find its key with one indexed lookup
 * instead of a deliberately slow comparison against each stored key. A leaked table still reveals
 * no usable key.
 */
@Service
public class ApiKeys {
  static final String PREFIX = "tly_";
  private static final int MAX_ID_LENGTH = 64;

  private final JdbcClient db;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public ApiKeys(JdbcClient db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** A user as stored. */
  public record User(String id, @Nullable String email, boolean admin) {}

  /** The caller a key belongs to, if the key is known. */
  public Optional<Caller> authenticate(String key) {
    return db.sql(
            "SELECT u.id, u.email, u.admin FROM api_keys k JOIN users u ON u.id = k.user_id"
                + " WHERE k.key_hash = ?")
        .param(hash(key))
        .query((rs, n) -> new Caller(rs.getString(1), rs.getString(2), rs.getInt(3) != 0))
        .optional();
  }

  /**
   * Creates a user.
   *
   * @throws ApiException 400 for an invalid id, 409 when the id is taken
   */
  public User createUser(String id, @Nullable String email, boolean admin) {
    validateId(id);
    if (email != null && (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+"))) {
      throw ApiException.badRequest(
          "email must be an address like alice@example.com, was '" + email + "'");
    }
    int inserted =
        db.sql(
                "INSERT INTO users (id, email, admin, created_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (id) DO NOTHING")
            .params(id, email, admin ? 1 : 0, clock.instant().toString())
            .update();
    if (inserted == 0) {
      throw new ApiException(HttpStatus.CONFLICT, "user '" + id + "' already exists");
    }
    return new User(id, email, admin);
  }

  public Optional<User> findUser(String id) {
    return db.sql("SELECT id, email, admin FROM users WHERE id = ?")
        .param(id)
        .query((rs, n) -> new User(rs.getString(1), rs.getString(2), rs.getInt(3) != 0))
        .optional();
  }

  /**
   * Creates a key for a user and returns it; this is the only time the key is visible.
   *
   * @throws ApiException 404 when the user does not exist
   */
  public String createKey(String userId) {
    if (findUser(userId).isEmpty()) {
      throw ApiException.notFound("user '" + userId + "' does not exist");
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    addKey(userId, key);
    return key;
  }

  /** Stores the hash of a key the caller already has (the admin key from the environment). */
  void addKey(String userId, String key) {
    db.sql(
            "INSERT INTO api_keys (key_hash, user_id, created_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (key_hash) DO NOTHING")
        .params(hash(key), userId, clock.instant().toString())
        .update();
  }

  /** Keys a user has. */
  int keyCount(String userId) {
    return db.sql("SELECT COUNT(*) FROM api_keys WHERE user_id = ?")
        .param(userId)
        .query(Integer.class)
        .single();
  }

  /** Removes every key of a user except {@code keep}. */
  void removeKeysExcept(String userId, String keep) {
    db.sql("DELETE FROM api_keys WHERE user_id = ? AND key_hash <> ?")
        .params(userId, hash(keep))
        .update();
  }

  static void validateId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._@-]*") || id.length() > MAX_ID_LENGTH) {
      throw ApiException.badRequest(
          "id must be 1 to "
              + MAX_ID_LENGTH
              + " letters, digits or . _ @ - (starting with a letter or digit), was '"
              + id
              + "'");
    }
    if (id.equals("anonymous")) {
      throw ApiException.badRequest("id 'anonymous' is reserved for callers without a key");
    }
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
