package dev.tally.core.pipeline;

/**
 * What the journal does with an event when its size cap (total bytes on disk) is reached, because
 * the sink has been down or slow for long enough that the backlog fills it. Either way the event is
 * counted; it is never lost silently.
 */
public enum JournalCapPolicy {
  /**
   * Wait up to the cap wait for delivered segments to be freed, then drop the event, counted as
   * dropped at the cap. After one wait ran out, later events are dropped at once (no wait) until
   * space is freed, so a full journal does not hold every request for the wait.
   */
  WAIT_THEN_DROP,
  /** Refuse the event at once, counted as refused at the cap; the caller decides what to do. */
  REFUSE
}
