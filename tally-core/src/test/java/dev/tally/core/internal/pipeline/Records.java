package dev.tally.core.internal.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test records: an id, padded to about the size of an encoded event. */
final class Records {
  static final int SIZE = 200;

  private Records() {}

  static byte[] record(String id) {
    return record(id, SIZE);
  }

  static byte[] record(String id, int size) {
    StringBuilder text = new StringBuilder(id).append('|');
    while (text.length() < size) {
      text.append((char) ('a' + text.length() % 26));
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String id(byte[] record) {
    String text = new String(record, StandardCharsets.UTF_8);
    return text.substring(0, text.indexOf('|'));
  }

  /** Reads everything after the read position. */
  static List<String> readAll(Journal journal) {
    List<String> ids = new ArrayList<>();
    while (true) {
      JournalBatch batch = journal.read(1000);
      if (batch.isEmpty()) {
        return ids;
      }
      batch.records().forEach(r -> ids.add(id(r)));
    }
  }
}
