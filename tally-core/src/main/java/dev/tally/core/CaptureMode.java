package dev.tally.core;

/** How much of a message and its response Tally keeps. */
public enum CaptureMode {
  /** Nothing: neither the text nor its length. */
  NONE,
  /** Only the lengths, in characters. The default: enough for reports, no personal data. */
  LENGTHS,
  /** The text itself, after redaction, with lengths. Captured text has its own retention. */
  FULL
}
