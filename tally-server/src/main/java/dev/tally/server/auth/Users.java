package dev.tally.server.auth;

import dev.tally.core.event.UsageEvent;
import dev.tally.server.web.ApiException;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The server's users. Ids are unique ignoring case: with {@code alice} present, {@code Alice} is a
 * 409. Lookups are exact, so an id names one user even where two ids that clash only in case were
 * created before that rule (the V2 migration keeps them).
 */
@Service
public class Users {
  private static final int MAX_ID_LENGTH = 64;

  private final JdbcClient db;
  private final Clock clock;

  public Users(JdbcClient db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** A user as stored. */
  public record User(String id, @Nullable String email, boolean admin) {}

  /**
   * Creates a user.
   *
   * @throws ApiException 400 for an invalid id or email, 409 when the id is taken in any case
   */
  public User create(String id, @Nullable String email, boolean admin) {
    validateId(id);
    if (email != null && (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+"))) {
      throw ApiException.badRequest(
          "email must be an address like alice@example.com, was '" + email + "'");
    }
    // No conflict target: the primary key and the unique index on lower(id) both count.
    int inserted =
        db.sql(
                "INSERT INTO users (id, email, admin, created_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT DO NOTHING")
            .params(id, email, admin ? 1 : 0, clock.instant().toString())
            .update();
    if (inserted == 0) {
      String existing =
          db.sql("SELECT id FROM users WHERE lower(id) = lower(?) ORDER BY case_duplicate LIMIT 1")
              .param(id)
              .query(String.class)
              .optional()
              .orElse(id);
      throw new ApiException(
          HttpStatus.CONFLICT,
          existing.equals(id)
              ? "user '" + id + "' already exists"
              : "user id '"
                  + id
                  + "' is taken by the user '"
                  + existing
                  + "': user ids are unique ignoring case");
    }
    return new User(id, email, admin);
  }

  /** The user with exactly this id. */
  public Optional<User> find(String id) {
    return db.sql("SELECT id, email, admin FROM users WHERE id = ?")
        .param(id)
        .query((rs, n) -> new User(rs.getString(1), rs.getString(2), rs.getInt(3) != 0))
        .optional();
  }

  /**
   * @throws ApiException 404 when there is no user with exactly this id
   */
  User require(String id) {
    return find(id).orElseThrow(() -> ApiException.notFound("user '" + id + "' does not exist"));
  }

  static void validateId(@Nullable String id) {
    if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._@-]*") || id.length() > MAX_ID_LENGTH) {
      throw ApiException.badRequest(
          "id must be 1 to "
              + MAX_ID_LENGTH
              + " letters, digits or . _ @ - (starting with a letter or digit), was '"
              + id
              + "'");
    }
    if (id.toLowerCase(Locale.ROOT).equals(UsageEvent.ANONYMOUS)) {
      throw ApiException.badRequest("id 'anonymous' is reserved for callers without a key");
    }
  }
}
