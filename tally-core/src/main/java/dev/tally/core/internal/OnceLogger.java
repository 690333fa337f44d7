package dev.tally.core.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Tally's one reporter of its own internal failures (a listener, sink, expression or filter step
 * that threw): each is counted, and logged at WARN the first time for its kind ({@code key}) and at
 * DEBUG after that, so a failing part is visible without flooding the log. Used by the tracker, the
 * event bus, the pipeline, the starter's interceptor, filter and listener, and the JDBC store; each
 * owns one and exposes {@link #count()} (the starter binds it as {@code tally.internal.failures}).
 * Never throws.
 */
public final class OnceLogger {
  private final Logger log;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final LongAdder count = new LongAdder();

  public OnceLogger(Logger log) {
    this.log = log;
  }

  /** Counts a failure of kind {@code key} and logs it (WARN the first time, then DEBUG). */
  public void failure(String key, String message, @Nullable Throwable error) {
    count.increment();
    if (warned.add(key)) {
      log.warn(message + " (further failures of this kind are logged at DEBUG)", error);
    } else if (log.isDebugEnabled()) {
      log.debug(message, error);
    }
  }

  /** {@link #failure(String, String, Throwable)} without an exception. */
  public void failure(String key, String message) {
    failure(key, message, null);
  }

  /** Failures reported since start. */
  public long count() {
    return count.sum();
  }
}
