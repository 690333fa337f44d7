package dev.tally.server.auth;

/**
 * A configured secret is too weak to protect the server; thrown while the application context
 * starts, so the server never listens with it. {@link WeakKeyFailureAnalyzer} turns it into Spring
 * Boot's short "APPLICATION FAILED TO START" report instead of a stack trace.
 */
public final class WeakKeyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String property;
  private final String variable;

  /**
   * @param property the configuration property, e.g. {@code tally.server.admin-key}
   * @param variable the environment variable it defaults to, e.g. {@code TALLY_ADMIN_KEY}
   * @param weakness why the key is weak; never the key itself
   */
  WeakKeyException(String property, String variable, String weakness) {
    super(property + " (" + variable + ") is too weak: it " + weakness);
    this.property = property;
    this.variable = variable;
  }

  /** Checks a configured key and throws when it is weak. */
  static void requireStrong(String property, String variable, String key) {
    KeyStrength.weakness(key)
        .ifPresent(
            weakness -> {
              throw new WeakKeyException(property, variable, weakness);
            });
  }

  String property() {
    return property;
  }

  String variable() {
    return variable;
  }
}
