package dev.tally.core.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs a failure of a given kind at WARN the first time and at DEBUG after that, so a failing
 * listener or sink is visible without flooding the log.
 */
public final class OnceLogger {
  private final Logger log;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  public OnceLogger(Logger log) {
    this.log = log;
  }

  public void failure(String key, String message, Throwable error) {
    if (warned.add(key)) {
      log.warn(message + " (further failures of this kind are logged at DEBUG)", error);
    } else if (log.isDebugEnabled()) {
      log.debug(message, error);
    }
  }

  public void failure(String key, String message) {
    if (warned.add(key)) {
      log.warn(message + " (further failures of this kind are logged at DEBUG)");
    } else {
      log.debug(message);
    }
  }
}
