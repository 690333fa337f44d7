package dev.tally.spring.aop;

import dev.tally.core.ResultMapper;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.internal.OnceLogger;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates a tracked method's expressions: the context before the call, the result after it. An
 * expression that fails is reported (counted; WARN once per expression, then DEBUG) and its value
 * left out; nothing here throws.
 */
final class Expressions {
  private final OnceLogger failures;

  Expressions(OnceLogger failures) {
    this.failures = failures;
  }

  /** Who and what, from the arguments; the model too unless it reads {@code #result}. */
  UsageContext context(TrackedMethod m, CallContext call) {
    String provider = m.annotation().provider();
    return new UsageContext(
        text(m.subject(), call, m),
        text(m.userEmail(), call, m),
        text(m.session(), call, m),
        text(m.tenant(), call, m),
        m.modelReadsResult() ? null : text(m.model(), call, m),
        provider.isEmpty() ? null : provider,
        Map.of());
  }

  /** Reads the model (when it reads {@code #result}) and the tokens from a successful result. */
  ResultMapper<@Nullable Object> mapper(TrackedMethod m, CallContext call) {
    if (m.tokens() == null && !m.modelReadsResult()) {
      return ResultMapper.none();
    }
    return (result, usage) -> {
      call.result(result);
      if (m.modelReadsResult()) {
        usage.model(text(m.model(), call, m));
      }
      usage.tokens(tokens(m, call));
    };
  }

  @Nullable String text(
      TrackedMethod.@Nullable Expr expression, CallContext call, TrackedMethod m) {
    Object value = evaluate(expression, call, m);
    return value == null ? null : String.valueOf(value);
  }

  /** The tokens expression's value; null when unset, null or not a {@link TokenUsage}. */
  @Nullable TokenUsage tokens(TrackedMethod m, CallContext call) {
    Object value = evaluate(m.tokens(), call, m);
    if (value == null || value instanceof TokenUsage) {
      return (TokenUsage) value;
    }
    String source = m.annotation().tokens();
    failures.failure(
        "type:" + m.method() + ":" + source,
        "Tally: tokens expression '"
            + source
            + "' on "
            + m.method()
            + " must return TokenUsage, returned "
            + value.getClass().getName()
            + " (the call is unaffected)");
    return null;
  }

  @Nullable Object evaluate(
      TrackedMethod.@Nullable Expr expression, CallContext call, TrackedMethod m) {
    if (expression == null) {
      return null;
    }
    try {
      return expression.value(call);
    } catch (RuntimeException e) {
      failures.failure(
          "eval:" + m.method() + ":" + expression.source(),
          "Tally: expression '"
              + expression.source()
              + "' on "
              + m.method()
              + " failed: "
              + e.getMessage()
              + " (the call is unaffected)");
      return null;
    }
  }

  /** Reports a failure of the tracking itself (never of the business call). */
  void failure(String key, String message, Throwable error) {
    failures.failure(key, message + " (the call is unaffected)", error);
  }

  long failures() {
    return failures.count();
  }
}
