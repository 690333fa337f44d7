package dev.tally.core.pipeline;

/** Why an accepted event was dropped. Every drop is counted; none is silent. */
public enum DropReason {
  /** The queue was full and the overflow policy is {@link OverflowPolicy#DROP}. */
  QUEUE_FULL,
  /** The event had to be spooled and the spool could not be written (disk full, permissions). */
  SPOOL_FAILED,
  /** A sink rejected the event and the dead-letter file could not be written. */
  DEAD_LETTER_FAILED,
  /**
   * The journal was at its cap and the cap policy is {@link JournalCapPolicy#WAIT_THEN_DROP}: the
   * event was dropped after waiting for room.
   */
  JOURNAL_CAP,
  /** The journal was at its cap and the cap policy is {@link JournalCapPolicy#REFUSE}. */
  JOURNAL_REFUSED,
  /**
   * A journal record passed its CRC but could not be decoded as an event (written by an unknown
   * format version); its bytes are logged, the record is skipped.
   */
  JOURNAL_UNREADABLE,
  /**
   * An event submitted with {@link UsagePipeline#submitLater} could not be finished: its supplier
   * threw or returned null (the tracker's own never do).
   */
  BUILD_FAILED
}
