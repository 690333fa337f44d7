package dev.tally.jdbc;

import java.time.Duration;

/**
 * How long raw rows are kept. Rollups are always kept.
 *
 * @param rawEvents raw events older than this are deleted (with their captured content)
 * @param capturedContent captured message and response text older than this is deleted; the event
 *     row stays until {@code rawEvents} has passed
 */
public record RetentionPolicy(Duration rawEvents, Duration capturedContent) {

  /**
   * @throws IllegalArgumentException naming the value when a duration is not positive
   */
  public RetentionPolicy {
    if (rawEvents == null || rawEvents.isNegative() || rawEvents.isZero()) {
      throw new IllegalArgumentException("rawEvents must be > 0, was " + rawEvents);
    }
    if (capturedContent == null || capturedContent.isNegative() || capturedContent.isZero()) {
      throw new IllegalArgumentException("capturedContent must be > 0, was " + capturedContent);
    }
  }

  /** Keep raw events {@code rawDays} days and captured content {@code contentDays} days. */
  public static RetentionPolicy ofDays(int rawDays, int contentDays) {
    return new RetentionPolicy(Duration.ofDays(rawDays), Duration.ofDays(contentDays));
  }
}
