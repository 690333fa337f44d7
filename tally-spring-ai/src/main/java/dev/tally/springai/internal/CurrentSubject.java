package dev.tally.springai.internal;

import org.jspecify.annotations.Nullable;

/**
 * The subject carried onto threads that are not the request's: Reactor's context propagation
 * restores it through {@link SubjectThreadLocalAccessor}.
 */
final class CurrentSubject {
  private static final ThreadLocal<@Nullable String> VALUE = new ThreadLocal<>();

  private CurrentSubject() {}

  static @Nullable String get() {
    return VALUE.get();
  }

  static void set(@Nullable String subject) {
    if (subject == null) {
      VALUE.remove();
    } else {
      VALUE.set(subject);
    }
  }
}
