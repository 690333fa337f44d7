package dev.tally.spring.event;

import dev.tally.core.UsageReportable;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.OnceLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;

/**
 * Tracks every published {@link UsageReportable} domain event, whether it comes through Spring's
 * {@code ApplicationEventPublisher} or a {@code UsageEventBus}. Business code publishes its own
 * event and never calls the tracker. A failure here (an event whose description throws or is
 * invalid) is logged at WARN the first time, counted, and never reaches the publisher.
 */
public final class UsageReportableListener {
  private static final Logger log = LoggerFactory.getLogger(UsageReportableListener.class);

  private final UsageTracker tracker;
  private final OnceLogger failures = new OnceLogger(log);

  public UsageReportableListener(UsageTracker tracker) {
    this.tracker = tracker;
  }

  @EventListener
  public void onUsageReportable(UsageReportable event) {
    try {
      UsageEvent.Builder usage = tracker.event(event.usageOperation());
      event.describeUsage(usage);
      tracker.track(usage.build());
    } catch (RuntimeException e) {
      failures.failure(
          event.getClass().getName(), "Tally: could not track " + event.getClass().getName(), e);
    }
  }

  /** Domain events that could not be tracked. */
  public long failures() {
    return failures.count();
  }
}
