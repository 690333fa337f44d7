package dev.tally.core.query;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The fields a query may group by and filter on. This enum is the allow-list: a query never puts
 * caller text into a store's query language (SQL in the JDBC store), it only names one of these
 * fields and binds values as parameters.
 */
public enum GroupField {
  /** Who did it: the user id or {@code anonymous}. */
  SUBJECT,
  /** What it was, for example {@code chat}. */
  OPERATION,
  /** The model; events without one group (and filter) under the empty string. */
  MODEL,
  /** {@code SUCCESS}, {@code ERROR} or {@code CANCELLED} (a streamed call the client left). */
  OUTCOME;

  /**
   * Parses a field name, ignoring case, as an HTTP API receives it.
   *
   * @throws IllegalArgumentException naming the parameter and value when the name is not a field
   */
  public static GroupField parse(String parameter, String name) {
    for (GroupField field : values()) {
      if (field.name().equalsIgnoreCase(name.trim())) {
        return field;
      }
    }
    throw new IllegalArgumentException(
        parameter
            + " must be one of "
            + Arrays.stream(values())
                .map(f -> f.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "))
            + ", was '"
            + name
            + "'");
  }
}
