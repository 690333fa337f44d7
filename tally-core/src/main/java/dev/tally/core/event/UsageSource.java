package dev.tally.core.event;

/** Where a token count came from. Tally never reports a zero it does not know to be true. */
public enum UsageSource {
  /** Reported by the model provider, for example the {@code usage} object of a chat completion. */
  REPORTED,
  /** Counted locally, for example a stream that ended without a usage chunk. */
  ESTIMATED,
  /** Unknown. All counts are zero and must not be read as "used nothing". */
  MISSING
}
