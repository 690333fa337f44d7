package dev.tally.spring.aop;

import dev.tally.core.TokenUsage;
import dev.tally.core.TrackUsage;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageTracker;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * The aspect behind {@link TrackUsage}: one usage event per call of an annotated method. The
 * business result or exception always reaches the caller unchanged; an expression that fails is
 * logged at WARN once per expression, counted in {@link #expressionFailures()}, and the value is
 * left out of the event.
 *
 * <p>Return types: plain values; {@link CompletionStage} (tracked on completion, a null stage is
 * passed through and tracked as success with unknown usage); Reactor {@code Mono} and {@code Flux}
 * when Reactor is on the classpath (tracked on completion, error or cancellation).
 */
@Aspect
public final class TrackUsageAspect {
  private static final Logger log = LoggerFactory.getLogger(TrackUsageAspect.class);
  private static final boolean REACTOR =
      ClassUtils.isPresent("reactor.core.publisher.Mono", TrackUsageAspect.class.getClassLoader());

  private final UsageTracker tracker;
  private final ExpressionParser parser = new SpelExpressionParser();
  private final ParameterNameDiscoverer names = new DefaultParameterNameDiscoverer();
  private final Map<String, Expression> expressions = new ConcurrentHashMap<>();
  private final Map<String, Boolean> warned = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();

  public TrackUsageAspect(UsageTracker tracker) {
    this.tracker = tracker;
  }

  @Around("@annotation(trackUsage) && execution(* *(..))")
  public @Nullable Object track(ProceedingJoinPoint pjp, TrackUsage trackUsage) throws Throwable {
    if (!tracker.isEnabled()) {
      return pjp.proceed();
    }
    Method method = ((MethodSignature) pjp.getSignature()).getMethod();
    Object[] args = pjp.getArgs();
    // One evaluation context per call: the arguments are read once, #result is added at the end.
    MethodBasedEvaluationContext context =
        new MethodBasedEvaluationContext(pjp.getTarget(), method, args, names);
    UsageOperation op = begin(trackUsage, method, context);
    Object result;
    try {
      result = pjp.proceed();
    } catch (Throwable t) {
      finish(op, trackUsage, method, context, null, t);
      throw t;
    }
    if (result instanceof CompletionStage<?> stage) {
      safely(
          () ->
              stage.whenComplete(
                  (value, error) -> finish(op, trackUsage, method, context, value, error)));
      return result;
    }
    if (result == null && CompletionStage.class.isAssignableFrom(method.getReturnType())) {
      safely(() -> op.attribute("tally.null_result", "true").success(TokenUsage.missing()));
      return null;
    }
    if (REACTOR && ReactorSupport.isReactive(result)) {
      return ReactorSupport.track(
          result, (value, error) -> finish(op, trackUsage, method, context, value, error));
    }
    finish(op, trackUsage, method, context, result, null);
    return result;
  }

  /** Expressions that failed to evaluate, since start. */
  public long expressionFailures() {
    return failures.sum();
  }

  private UsageOperation begin(TrackUsage a, Method method, MethodBasedEvaluationContext context) {
    UsageOperation op = tracker.start(a.value());
    op.subject(text(a.subject(), context, method));
    op.userEmail(text(a.userEmail(), context, method));
    op.sessionId(text(a.session(), context, method));
    op.tenant(text(a.tenant(), context, method));
    if (!a.provider().isEmpty()) {
      op.provider(a.provider());
    }
    String operationId = text(a.operationId(), context, method);
    if (operationId != null) {
      op.id(operationId);
    }
    return op;
  }

  private void finish(
      UsageOperation op,
      TrackUsage a,
      Method method,
      MethodBasedEvaluationContext context,
      @Nullable Object value,
      @Nullable Throwable error) {
    try {
      context.setVariable("result", value);
      // On failure there is no #result; a model expression that needs one is expected to fail.
      String model = text(a.model(), context, method, error == null);
      if (model != null) {
        op.model(model);
      }
      if (error != null) {
        op.failure(unwrap(error));
        return;
      }
      op.success(tokens(a.tokens(), context, method));
    } catch (RuntimeException e) {
      count("finish:" + method, "Tally: could not finish tracking " + method, e);
    }
  }

  private @Nullable String text(
      String expression, MethodBasedEvaluationContext context, Method method) {
    return text(expression, context, method, true);
  }

  /** With {@code counted} false a failure is neither logged nor counted (an expected one). */
  private @Nullable String text(
      String expression, MethodBasedEvaluationContext context, Method method, boolean counted) {
    Object value = evaluate(expression, context, method, counted);
    return value == null ? null : String.valueOf(value);
  }

  private TokenUsage tokens(
      String expression, MethodBasedEvaluationContext context, Method method) {
    Object value = evaluate(expression, context, method, true);
    if (value == null) {
      return TokenUsage.missing();
    }
    if (value instanceof TokenUsage usage) {
      return usage;
    }
    count(
        "type:" + expression,
        "Tally: tokens expression '"
            + expression
            + "' on "
            + method
            + " must return TokenUsage, returned "
            + value.getClass().getName(),
        null);
    return TokenUsage.missing();
  }

  private @Nullable Object evaluate(
      String expression, MethodBasedEvaluationContext context, Method method, boolean counted) {
    if (expression.isEmpty()) {
      return null;
    }
    try {
      return expressions.computeIfAbsent(expression, parser::parseExpression).getValue(context);
    } catch (RuntimeException e) {
      if (!counted) {
        return null;
      }
      count(
          "eval:" + method + ":" + expression,
          "Tally: expression '" + expression + "' on " + method + " failed: " + e.getMessage(),
          null);
      return null;
    }
  }

  private void count(String key, String message, @Nullable Throwable error) {
    failures.increment();
    if (warned.putIfAbsent(key, Boolean.TRUE) == null) {
      log.warn(message + " (logged once; the call is unaffected)", error);
    } else {
      log.debug(message, error);
    }
  }

  private void safely(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      count("tracking", "Tally: tracking failed", e);
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
