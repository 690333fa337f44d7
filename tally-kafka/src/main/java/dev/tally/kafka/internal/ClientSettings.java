package dev.tally.kafka.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a Kafka client's configuration from the caller's pass-through properties (security and
 * tuning) and the settings Tally's guarantees rest on, which the caller may not override.
 */
public final class ClientSettings {
  private ClientSettings() {}

  /**
   * Tally's defaults, then the caller's pass-through properties over them, then the settings the
   * delivery guarantee rests on. A caller's value for a guarantee key that differs is refused,
   * naming the key (silently replacing it would hide a setting that does not do what the caller
   * thinks); a caller's value for an {@code owned} key is refused whatever it is.
   */
  public static Map<String, Object> merge(
      String bootstrapServers,
      Map<String, Object> defaults,
      Map<String, Object> passThrough,
      Map<String, Object> guarantees,
      Set<String> owned) {
    for (String key : owned) {
      if (passThrough.containsKey(key)) {
        throw new IllegalArgumentException(
            "property " + key + " is set by Tally and cannot be passed through");
      }
    }
    Map<String, Object> config = new HashMap<>(defaults);
    config.putAll(passThrough);
    for (Map.Entry<String, Object> e : guarantees.entrySet()) {
      Object given = passThrough.get(e.getKey());
      if (given != null && !String.valueOf(given).equals(String.valueOf(e.getValue()))) {
        throw new IllegalArgumentException(
            "property "
                + e.getKey()
                + " must be "
                + e.getValue()
                + " for Tally's delivery guarantee, was "
                + given);
      }
      config.put(e.getKey(), e.getValue());
    }
    config.put("bootstrap.servers", bootstrapServers);
    return config;
  }

  public static String requireText(String name, String value) {
    Objects.requireNonNull(value, name + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank, was '" + value + "'");
    }
    return value;
  }

  public static Duration positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
    return value;
  }

  public static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + value);
    }
    return value;
  }

  /** A topic name Kafka accepts: 1-249 of letters, digits, '.', '_' and '-'. */
  public static String topic(String name, String value) {
    requireText(name, value);
    if (value.length() > 249 || !value.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          name + " must be 1-249 letters, digits, '.', '_' or '-', was '" + value + "'");
    }
    return value;
  }

  public static Map<String, Object> copy(String name, Map<String, ?> properties) {
    Objects.requireNonNull(properties, name + " must not be null");
    Map<String, Object> copy = new HashMap<>();
    properties.forEach(
        (k, v) -> {
          if (k == null || v == null) {
            throw new IllegalArgumentException(name + " must not hold null keys or values");
          }
          copy.put(k, v);
        });
    return copy;
  }
}
