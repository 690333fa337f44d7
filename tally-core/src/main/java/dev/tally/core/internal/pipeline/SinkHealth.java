package dev.tally.core.internal.pipeline;

import dev.tally.core.internal.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the sink is healthy and, when it is not, when the next probe is due: after the retries of
 * a batch ran out (or an export timed out) the sink is unhealthy and is tried again after a pause
 * that grows with each failed probe ({@link Backoff}, read on the injected {@link Ticker}). Written
 * by the worker thread only; read from any thread.
 */
public final class SinkHealth {
  private static final Logger log = LoggerFactory.getLogger(SinkHealth.class);
  private static final int MAX_PROBE_ATTEMPT = 30;

  private final String sinkName;
  private final Backoff backoff;
  private final Ticker ticker;
  private volatile boolean healthy = true;
  private int probeAttempt;
  private long nextProbeNanos;

  public SinkHealth(String sinkName, Backoff backoff, Ticker ticker) {
    this.sinkName = sinkName;
    this.backoff = backoff;
    this.ticker = ticker;
  }

  public boolean healthy() {
    return healthy;
  }

  /** Healthy, or unhealthy with a probe due now. */
  public boolean mayExport() {
    return healthy || ticker.nanos() - nextProbeNanos >= 0;
  }

  /** Nanoseconds until the next probe; 0 when healthy or due. */
  public long nanosUntilProbe() {
    return healthy ? 0 : Math.max(0, nextProbeNanos - ticker.nanos());
  }

  /** The sink failed a batch for good: unhealthy, next probe after a longer pause. */
  public void failed(Throwable failure, String whatWaits) {
    if (healthy) {
      log.warn(
          "Tally: sink {} is failing ({}); {} until it recovers",
          sinkName,
          failure.toString(),
          whatWaits);
    }
    healthy = false;
    probeAttempt = Math.min(probeAttempt + 1, MAX_PROBE_ATTEMPT);
    nextProbeNanos = ticker.nanos() + backoff.nanos(probeAttempt);
  }

  /** An export succeeded. */
  public void succeeded() {
    if (!healthy) {
      log.info("Tally: sink {} is back; delivering the backlog", sinkName);
    }
    healthy = true;
    probeAttempt = 0;
  }

  /** A probe is due at once (a hung call has returned). */
  public void probeNow() {
    nextProbeNanos = ticker.nanos();
  }
}
