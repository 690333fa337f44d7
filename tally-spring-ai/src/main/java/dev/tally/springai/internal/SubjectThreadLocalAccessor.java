package dev.tally.springai.internal;

import dev.tally.springai.SubjectResolver;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * Lets Micrometer's context propagation (Reactor's automatic mode, {@code contextCapture()}, {@code
 * ContextSnapshot} wrappers) carry the current subject from the request thread to the threads a
 * stream runs on. Capture reads the subject as the {@link SubjectResolver} sees it on the capturing
 * thread; restore sets it where {@link RequestSubjectResolver} looks first.
 */
public final class SubjectThreadLocalAccessor implements ThreadLocalAccessor<String> {
  /** The key in Reactor's context and in context snapshots. */
  public static final String KEY = "tally.subject";

  private final SubjectResolver resolver;

  public SubjectThreadLocalAccessor(SubjectResolver resolver) {
    this.resolver = resolver;
  }

  @Override
  public Object key() {
    return KEY;
  }

  @Override
  public @Nullable String getValue() {
    try {
      return resolver.currentSubject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void setValue(String value) {
    CurrentSubject.set(value);
  }

  @Override
  public void setValue() {
    CurrentSubject.set(null);
  }
}
