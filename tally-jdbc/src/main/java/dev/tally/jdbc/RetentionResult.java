package dev.tally.jdbc;

/**
 * What one retention run deleted.
 *
 * @param rawEvents raw event rows deleted
 * @param capturedContent captured content rows deleted
 */
public record RetentionResult(long rawEvents, long capturedContent) {}
