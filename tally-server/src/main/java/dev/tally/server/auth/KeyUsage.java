package dev.tally.server.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * When each API key was last used, without a database write per request: a request only records the
 * instant in memory (one map update); a scheduled task writes what changed in one transaction per
 * interval ({@code tally.server.keys.last-used-interval}, default one minute), so each key costs at
 * most one write per interval however busy it is. Reads merge what is not yet written, so {@code
 * lastUsedAt} is current at once. A crash loses at most one interval of {@code lastUsedAt}, never a
 * key; shutdown writes what is pending.
 */
final class KeyUsage implements SchedulingConfigurer, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeyUsage.class);

  private final Map<String, Instant> pending = new ConcurrentHashMap<>();
  private final JdbcClient db;
  private final TransactionTemplate tx;
  private final Duration interval;

  KeyUsage(JdbcClient db, TransactionTemplate tx, Duration interval) {
    this.db = db;
    this.tx = tx;
    this.interval = interval;
  }

  /** Notes a use of the key; never touches the database. */
  void used(String keyId, Instant at) {
    pending.merge(keyId, at, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** The last use not yet written, if any. */
  Optional<Instant> unwritten(String keyId) {
    return Optional.ofNullable(pending.get(keyId));
  }

  /** Drops what is pending for a revoked key. */
  void forget(String keyId) {
    pending.remove(keyId);
  }

  /**
   * Writes the pending uses in one transaction.
   *
   * @return how many keys were written
   */
  int flush() {
    if (pending.isEmpty()) {
      return 0;
    }
    Map<String, Instant> batch = Map.copyOf(pending);
    try {
      tx.executeWithoutResult(
          status ->
              batch.forEach(
                  (keyId, at) ->
                      db.sql("UPDATE api_keys SET last_used_at = ? WHERE id = ?")
                          .params(at.toString(), keyId)
                          .update()));
    } catch (RuntimeException e) {
      // Kept in memory and tried again at the next interval.
      log.warn("could not write when API keys were last used: {}", e.toString());
      return 0;
    }
    // Only what is unchanged since the copy: a newer use stays pending for the next write.
    batch.forEach(pending::remove);
    return batch.size();
  }

  /** Writes what is pending (at shutdown). */
  @Override
  public void close() {
    flush();
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(this::flush, interval);
  }
}
