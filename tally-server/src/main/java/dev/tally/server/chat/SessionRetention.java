package dev.tally.server.chat;

import dev.tally.server.ServerSettings;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Deletes expired sessions with their messages: every {@code
 * tally.server.chat.session-sweep-interval} (default an hour) it deletes the sessions without a
 * message for {@code tally.server.chat.session-ttl} (default 30 days), {@value #BATCH} per
 * transaction so that chats never wait long for the database. An expired session is already a 404
 * before the sweep deletes it.
 */
@Component
class SessionRetention implements SchedulingConfigurer {
  /** Sessions deleted per transaction. */
  static final int BATCH = 500;

  private static final Logger log = LoggerFactory.getLogger(SessionRetention.class);

  private final SessionStore sessions;
  private final Clock clock;
  private final Duration interval;

  SessionRetention(SessionStore sessions, Clock clock, ServerSettings settings) {
    this.sessions = sessions;
    this.clock = clock;
    this.interval = settings.chat().sessionSweepInterval();
  }

  /**
   * Deletes every session expired by now, in batches.
   *
   * @return how many were deleted
   */
  int sweep() {
    int total = 0;
    try {
      int deleted;
      do {
        deleted = sessions.deleteExpired(clock.instant(), BATCH);
        total += deleted;
      } while (deleted == BATCH);
    } catch (RuntimeException e) {
      // Tried again at the next interval; until then expired sessions are 404s all the same.
      log.warn("could not delete expired chat sessions: {}", e.toString());
    }
    if (total > 0) {
      log.info("deleted {} expired chat sessions with their messages", total);
    }
    return total;
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(this::sweep, interval);
  }
}
