package dev.tally.core.event;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Who and where an operation happened, known before it runs: the subject, user email, session,
 * tenant, model, provider and extra attributes. The one declaration of these fields: a {@link
 * UsageEvent} holds one as its {@link UsageEvent#context() context} (its {@code subject()}, {@code
 * model()}, ... read from it), and the tracker's operations and streams start from one. Immutable;
 * the {@code with...} methods return copies. A null or blank subject means {@link
 * UsageEvent#ANONYMOUS}. Lengths and attribute limits are checked when an event is built from it.
 */
public record UsageContext(
    String subject,
    @Nullable String userEmail,
    @Nullable String sessionId,
    @Nullable String tenant,
    @Nullable String model,
    @Nullable String provider,
    Map<String, String> attributes) {

  private static final UsageContext ANONYMOUS =
      new UsageContext(UsageEvent.ANONYMOUS, null, null, null, null, null, Map.of());

  public UsageContext {
    if (subject == null || subject.isBlank()) {
      subject = UsageEvent.ANONYMOUS;
    }
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }

  /** No subject known: {@value UsageEvent#ANONYMOUS}. */
  public static UsageContext anonymous() {
    return ANONYMOUS;
  }

  /** A context for a subject; a null or blank subject means anonymous. */
  public static UsageContext of(@Nullable String subject) {
    return subject == null || subject.isBlank()
        ? ANONYMOUS
        : new UsageContext(subject, null, null, null, null, null, Map.of());
  }

  public UsageContext withUserEmail(@Nullable String email) {
    return new UsageContext(subject, email, sessionId, tenant, model, provider, attributes);
  }

  public UsageContext withSessionId(@Nullable String session) {
    return new UsageContext(subject, userEmail, session, tenant, model, provider, attributes);
  }

  public UsageContext withTenant(@Nullable String newTenant) {
    return new UsageContext(subject, userEmail, sessionId, newTenant, model, provider, attributes);
  }

  public UsageContext withModel(@Nullable String newModel) {
    return new UsageContext(subject, userEmail, sessionId, tenant, newModel, provider, attributes);
  }

  public UsageContext withProvider(@Nullable String newProvider) {
    return new UsageContext(subject, userEmail, sessionId, tenant, model, newProvider, attributes);
  }

  public UsageContext withAttribute(String key, String value) {
    Map<String, String> copy = new LinkedHashMap<>(attributes);
    copy.put(key, value);
    return new UsageContext(subject, userEmail, sessionId, tenant, model, provider, copy);
  }
}
