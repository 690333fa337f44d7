package dev.tally.springai;

import org.jspecify.annotations.Nullable;

/**
 * Names the subject (user id) of the chat call running on the current thread. The default reads the
 * same sources as Tally's HTTP filter: the request attribute {@code tally.subject}, the
 * authenticated principal, then the configured subject header; on Reactor threads it sees the value
 * that context propagation restored. Declare a bean of this type to name subjects another way.
 *
 * <p>Called once per model round, on the thread that starts it. Must not block; must not throw (a
 * resolver that throws is treated as "no subject").
 */
@FunctionalInterface
public interface SubjectResolver {

  /** The current subject, or null for anonymous. */
  @Nullable String currentSubject();
}
