package dev.tally.server.chat;

import dev.tally.server.ServerSettings;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.web.ApiException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Chat sessions and their bounded history: each session keeps its last {@code
 * tally.server.chat.history-limit} messages; older ones are deleted as new ones arrive. A session
 * belongs to the subject that opened it; to anyone else it does not exist (404).
 */
@Repository
public class SessionStore {
  private final JdbcClient db;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final int historyLimit;

  public SessionStore(JdbcClient db, TransactionTemplate tx, Clock clock, ServerSettings settings) {
    this.db = db;
    this.tx = tx;
    this.clock = clock;
    this.historyLimit = settings.chat().historyLimit();
  }

  /**
   * Opens the session, creating it for {@code subject} when new.
   *
   * @throws ApiException 404 when the session belongs to someone else
   */
  public void open(String sessionId, String subject) {
    String now = clock.instant().toString();
    db.sql(
            "INSERT INTO chat_sessions (id, subject, created_at, updated_at) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (id) DO NOTHING")
        .params(sessionId, subject, now, now)
        .update();
    requireOwner(sessionId, subject);
  }

  /**
   * @throws ApiException 404 when the session does not exist or belongs to someone else
   */
  public void requireOwner(String sessionId, String subject) {
    Optional<String> owner =
        db.sql("SELECT subject FROM chat_sessions WHERE id = ?")
            .param(sessionId)
            .query(String.class)
            .optional();
    if (owner.isEmpty() || !owner.get().equals(subject)) {
      throw ApiException.notFound("session '" + sessionId + "' does not exist");
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
    String now = clock.instant().toString();
    tx.executeWithoutResult(
        status -> {
          for (ChatMessage m : messages) {
            db.sql(
                    "INSERT INTO chat_messages (session_id, role, content, created_at)"
                        + " VALUES (?, ?, ?, ?)")
                .params(sessionId, m.role(), m.content(), now)
                .update();
          }
          db.sql(
                  "DELETE FROM chat_messages WHERE session_id = ? AND id NOT IN"
                      + " (SELECT id FROM chat_messages WHERE session_id = ? ORDER BY id DESC"
                      + " LIMIT ?)")
              .params(sessionId, sessionId, historyLimit)
              .update();
          db.sql("UPDATE chat_sessions SET updated_at = ? WHERE id = ?")
              .params(now, sessionId)
              .update();
        });
  }
}
