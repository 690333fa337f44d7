package dev.tally.core.event;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a usage value breaks a rule: a negative token count, a blank operation, too many or
 * too long attributes, a timestamp too far in the future. The message names the field and the
 * value, for example {@code "tokens.input must be >= 0, was -3"}.
 */
public final class UsageValidationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final @Nullable String value;

  public UsageValidationException(String field, @Nullable Object value, String rule) {
    super(field + " " + rule + ", was " + describe(value));
    this.field = field;
    this.value = value == null ? null : String.valueOf(value);
  }

  /** The name of the field that failed, for example {@code "tokens.input"}. */
  public String field() {
    return field;
  }

  /** The rejected value as text (shortened when long), or null when it was null. */
  public @Nullable String value() {
    return value;
  }

  private static String describe(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    String text = String.valueOf(value);
    if (value instanceof CharSequence) {
      String shown =
          text.length() > 64 ? text.substring(0, 64) + "...(" + text.length() + " chars)" : text;
      return "\"" + shown + "\"";
    }
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }
}
