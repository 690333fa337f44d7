package dev.tally.core;

/** Whether the tracked operation succeeded. */
public enum Outcome {
  SUCCESS,
  ERROR
}
