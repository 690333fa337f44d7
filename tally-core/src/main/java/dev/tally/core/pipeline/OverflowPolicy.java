package dev.tally.core.pipeline;

/** What {@link UsagePipeline} does with an event when its queue is full. */
public enum OverflowPolicy {
  /**
   * Append the event to the local spool from the calling thread (a buffered write to the page
   * cache, no fsync), to be replayed later. The default: nothing is ever dropped.
   */
  SPILL,
  /** Wait up to the configured timeout for room, then spill. */
  BLOCK,
  /** Drop the event and count it under {@link DropReason#QUEUE_FULL}. */
  DROP
}
