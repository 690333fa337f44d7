package dev.tally.core.internal.pipeline;

/**
 * A place in the journal: a segment's sequence number and a byte offset inside it, always at a
 * record boundary. Positions order as the records do.
 *
 * @param segment the segment's sequence number (its file is {@code journal-<segment>.seg})
 * @param offset the byte offset of the next record in that segment
 */
public record JournalPosition(long segment, int offset) implements Comparable<JournalPosition> {

  public JournalPosition {
    if (segment < 0 || offset < 0) {
      throw new IllegalArgumentException(
          "segment and offset must be >= 0, were " + segment + " and " + offset);
    }
  }

  @Override
  public int compareTo(JournalPosition other) {
    int bySegment = Long.compare(segment, other.segment);
    return bySegment != 0 ? bySegment : Integer.compare(offset, other.offset);
  }

  boolean isAfter(JournalPosition other) {
    return compareTo(other) > 0;
  }
}
