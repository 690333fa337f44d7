package dev.tally.server.auth;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link WeakKeyException} as one line of description and one of action, the way Spring
 * Boot reports a port in use. Registered in {@code META-INF/spring.factories}.
 */
final class WeakKeyFailureAnalyzer extends AbstractFailureAnalyzer<WeakKeyException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, WeakKeyException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Set "
            + cause.variable()
            + " (or "
            + cause.property()
            + ") to a random key, e.g. export "
            + cause.variable()
            + "=$(openssl rand -hex 32)"
            + (cause.variable().equals("TALLY_ADMIN_KEY")
                ? ", or unset it to have one generated at the first start."
                : ", or unset it."),
        cause);
  }
}
