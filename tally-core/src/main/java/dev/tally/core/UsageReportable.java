package dev.tally.core;

import dev.tally.core.event.UsageEvent;

/**
 * A domain event that knows how to describe itself as usage (the event-driven style). Publish it
 * the usual way — Spring's {@code ApplicationEventPublisher} or a {@link UsageEventBus} — and the
 * Tally bridge tracks it; business code never calls the tracker.
 *
 * <pre>{@code
 * record SummaryCreated(String userId, String sessionId, TokenUsage usage) implements UsageReportable {
 *   public String usageOperation() { return "summary"; }
 *   public void describeUsage(UsageEvent.Builder usage) {
 *     usage.subject(userId).sessionId(sessionId).tokens(this.usage);
 *   }
 * }
 * }</pre>
 */
public interface UsageReportable {

  /** The operation this event reports, for example {@code "summary"}. */
  String usageOperation();

  /**
   * Fills in the usage; the builder arrives stamped with the tracker's clock and trace id. Must not
   * block. A throw is logged and counted; the publisher never sees it.
   */
  void describeUsage(UsageEvent.Builder usage);
}
