package dev.tally.core.event;

/**
 * How the tracked operation ended. Reports count {@link #ERROR} and {@link #CANCELLED} apart: a
 * cancelled stream is a client that left, not a fault.
 */
public enum Outcome {
  /** It ran to its end. */
  SUCCESS,
  /** It failed; the event carries an {@link ErrorInfo}. */
  ERROR,
  /**
   * The caller left before it ended, for example a client that closed a streamed chat. The event
   * carries the tokens used up to then. Declared last: the spool codec stores the ordinal.
   */
  CANCELLED
}
