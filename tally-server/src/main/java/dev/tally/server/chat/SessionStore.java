package dev.tally.server.chat;

import dev.tally.server.ServerSettings;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.web.ApiException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Chat sessions and their bounded history: each session keeps its last {@code
 * tally.server.chat.history-limit} messages; older ones are deleted as new ones arrive.
 *
 * <p>Only the server creates sessions, with an id of 128 random bits ({@link SecureRandom},
 * base64url), so an id can be neither guessed nor chosen in advance. A session belongs to the
 * subject that created it; to anyone else, and once it has expired ({@code
 * tally.server.chat.session-ttl} after its last message), it does not exist (404, so that its
 * existence does not leak). All anonymous callers share the subject {@code anonymous}: for them the
 * unguessable id is the credential, and a session created anonymously is never a keyed user's, nor
 * the other way round.
 */
@Repository
public class SessionStore {
  static final int ID_BYTES = 16;

  private final JdbcClient db;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final int historyLimit;
  private final Duration ttl;
  private final SecureRandom random = new SecureRandom();

  public SessionStore(JdbcClient db, TransactionTemplate tx, Clock clock, ServerSettings settings) {
    this.db = db;
    this.tx = tx;
    this.clock = clock;
    this.historyLimit = settings.chat().historyLimit();
    this.ttl = settings.chat().sessionTtl();
  }

  /** Creates an empty session for {@code subject} and returns its new id. */
  public String create(String subject) {
    byte[] bytes = new byte[ID_BYTES];
    random.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant now = clock.instant();
    db.sql(
            "INSERT INTO chat_sessions (id, subject, created_at, updated_at, active_ms)"
                + " VALUES (?, ?, ?, ?, ?)")
        .params(id, subject, now.toString(), now.toString(), now.toEpochMilli())
        .update();
    return id;
  }

  /**
   * @throws ApiException 404 when the session does not exist, has expired or belongs to someone
   *     else
   */
  public void requireOwner(String sessionId, String subject) {
    Optional<String> owner =
        db.sql("SELECT subject FROM chat_sessions WHERE id = ? AND active_ms >= ?")
            .params(sessionId, cutoff(clock.instant()))
            .query(String.class)
            .optional();
    if (owner.isEmpty() || !owner.get().equals(subject)) {
      throw notFound(sessionId);
    }
  }

  /** The kept messages, oldest first. */
  public List<ChatMessage> history(String sessionId) {
    return db.sql("SELECT role, content FROM chat_messages WHERE session_id = ? ORDER BY id")
        .param(sessionId)
        .query((rs, n) -> new ChatMessage(rs.getString(1), rs.getString(2)))
        .list();
  }

  /** Appends messages and deletes all but the newest {@code historyLimit}. */
  public void append(String sessionId, List<ChatMessage> messages) {
    Instant now = clock.instant();
    tx.executeWithoutResult(
        status -> {
          for (ChatMessage m : messages) {
            db.sql(
                    "INSERT INTO chat_messages (session_id, role, content, created_at)"
                        + " VALUES (?, ?, ?, ?)")
                .params(sessionId, m.role(), m.content(), now.toString())
                .update();
          }
          db.sql(
                  "DELETE FROM chat_messages WHERE session_id = ? AND id NOT IN"
                      + " (SELECT id FROM chat_messages WHERE session_id = ? ORDER BY id DESC"
                      + " LIMIT ?)")
              .params(sessionId, sessionId, historyLimit)
              .update();
          db.sql("UPDATE chat_sessions SET updated_at = ?, active_ms = ? WHERE id = ?")
              .params(now.toString(), now.toEpochMilli(), sessionId)
              .update();
        });
  }

  /**
   * Deletes a session and its messages.
   *
   * @throws ApiException 404 when the session does not exist, has expired or belongs to someone
   *     else
   */
  public void delete(String sessionId, String subject) {
    tx.executeWithoutResult(
        status -> {
          requireOwner(sessionId, subject);
          deleteSessions(List.of(sessionId));
        });
  }

  /**
   * Deletes up to {@code batch} sessions without a message since before {@code now - ttl}, with
   * their messages, in one transaction.
   *
   * @return how many sessions were deleted
   */
  int deleteExpired(Instant now, int batch) {
    Integer deleted =
        tx.execute(
            status -> {
              List<String> ids =
                  db.sql("SELECT id FROM chat_sessions WHERE active_ms < ? LIMIT ?")
                      .params(cutoff(now), batch)
                      .query(String.class)
                      .list();
              deleteSessions(ids);
              return ids.size();
            });
    return deleted == null ? 0 : deleted;
  }

  /** Messages first: the foreign key's cascade is on only where the URL says foreign_keys=true. */
  private void deleteSessions(List<String> ids) {
    for (String id : ids) {
      db.sql("DELETE FROM chat_messages WHERE session_id = ?").param(id).update();
      db.sql("DELETE FROM chat_sessions WHERE id = ?").param(id).update();
    }
  }

  private long cutoff(Instant now) {
    return now.minus(ttl).toEpochMilli();
  }

  private static ApiException notFound(String sessionId) {
    return ApiException.notFound("session '" + sessionId + "' does not exist");
  }
}
