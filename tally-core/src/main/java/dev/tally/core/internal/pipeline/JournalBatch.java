package dev.tally.core.internal.pipeline;

import java.util.List;

/**
 * Records read from the journal, in append order, and the position just after the last of them:
 * pass {@link #end()} to {@link Journal#checkpoint} once a sink has committed every record.
 *
 * @param records the record bodies, as they were appended
 * @param end the position after the last record (equal to the start when {@code records} is empty)
 */
public record JournalBatch(List<byte[]> records, JournalPosition end) {

  public JournalBatch {
    records = List.copyOf(records);
  }

  public boolean isEmpty() {
    return records.isEmpty();
  }

  public int size() {
    return records.size();
  }
}
