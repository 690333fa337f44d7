package dev.tally.spring.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** Keeps a tag's distinct values bounded: after {@code max} values, new ones become "other". */
final class TagLimiter {
  private final int max;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  TagLimiter(int max) {
    this.max = max;
  }

  String limit(@Nullable String value) {
    if (value == null) {
      return "unknown";
    }
    if (seen.contains(value)) {
      return value;
    }
    if (seen.size() >= max) {
      return "other";
    }
    seen.add(value);
    return value;
  }
}
