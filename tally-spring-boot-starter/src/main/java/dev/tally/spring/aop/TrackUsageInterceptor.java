package dev.tally.spring.aop;

import dev.tally.core.TokenUsage;
import dev.tally.core.TrackUsage;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageTracker;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * The interceptor behind {@link TrackUsage}: one usage event per call of an annotated method. The
 * business result or exception always reaches the caller unchanged; an expression that fails is
 * logged at WARN once per expression, counted in {@link #expressionFailures()}, and the value is
 * left out of the event.
 *
 * <p>Return types: plain values; {@link CompletionStage} (tracked on completion, a null stage is
 * passed through and tracked as success with unknown usage); Reactor {@code Mono} and {@code Flux}
 * when Reactor is on the classpath (tracked on completion, error or cancellation).
 *
 * <p>A plain Spring AOP {@link MethodInterceptor} rather than an AspectJ aspect: the annotation,
 * its parsed expressions and the parameter names are resolved once per method, so a call pays for
 * the expressions it evaluates and nothing else (no pointcut test or argument binding per call).
 * The tracker is looked up on first use, so the advisor never forces the ledger to start early.
 */
public final class TrackUsageInterceptor implements MethodInterceptor {
  private static final Logger log = LoggerFactory.getLogger(TrackUsageInterceptor.class);
  private static final boolean REACTOR =
      ClassUtils.isPresent(
          "reactor.core.publisher.Mono", TrackUsageInterceptor.class.getClassLoader());

  private final Supplier<@Nullable UsageTracker> trackerLookup;
  private final TrackedMethods methods;
  private final Map<String, Boolean> warned = new ConcurrentHashMap<>();
  private final LongAdder failures = new LongAdder();
  private volatile @Nullable UsageTracker tracker;

  /**
   * @param tracker looked up on the first intercepted call (a bean provider's {@code
   *     getIfAvailable}); calls pass through untracked while it answers null
   * @param classLoader where compiled expressions are defined (the application's class loader)
   */
  public TrackUsageInterceptor(
      Supplier<@Nullable UsageTracker> tracker, @Nullable ClassLoader classLoader) {
    this.trackerLookup = tracker;
    this.methods = new TrackedMethods(classLoader);
  }

  /** An interceptor for a tracker already at hand. */
  public TrackUsageInterceptor(UsageTracker tracker) {
    this(() -> tracker, ClassUtils.getDefaultClassLoader());
  }

  @Override
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    UsageTracker current = tracker();
    if (current == null || !current.isEnabled()) {
      return invocation.proceed();
    }
    Object target = invocation.getThis();
    Class<?> targetClass = target == null ? null : AopUtils.getTargetClass(target);
    TrackedMethod tracked = methods.get(invocation.getMethod(), targetClass);
    if (tracked == null) {
      return invocation.proceed();
    }
    CallContext context = new CallContext(target, tracked, invocation.getArguments());
    UsageOperation op = begin(current, tracked, context);
    Object result;
    try {
      result = invocation.proceed();
    } catch (Throwable t) {
      finish(op, tracked, context, null, t);
      throw t;
    }
    if (result instanceof CompletionStage<?> stage) {
      safely(
          () -> stage.whenComplete((value, error) -> finish(op, tracked, context, value, error)));
      return result;
    }
    if (result == null && tracked.returnsStage()) {
      safely(() -> op.attribute("tally.null_result", "true").success(TokenUsage.missing()));
      return null;
    }
    if (REACTOR && ReactorSupport.isReactive(result)) {
      return ReactorSupport.track(
          result, (value, error) -> finish(op, tracked, context, value, error));
    }
    finish(op, tracked, context, result, null);
    return result;
  }

  /** Expressions that failed to evaluate, since start. */
  public long expressionFailures() {
    return failures.sum();
  }

  private @Nullable UsageTracker tracker() {
    UsageTracker t = tracker;
    if (t == null) {
      t = trackerLookup.get();
      tracker = t;
    }
    return t;
  }

  private UsageOperation begin(UsageTracker t, TrackedMethod m, CallContext context) {
    TrackUsage a = m.annotation();
    UsageOperation op = t.start(a.value());
    op.subject(text(m.subject(), context, m, true));
    op.userEmail(text(m.userEmail(), context, m, true));
    op.sessionId(text(m.session(), context, m, true));
    op.tenant(text(m.tenant(), context, m, true));
    if (!a.provider().isEmpty()) {
      op.provider(a.provider());
    }
    String operationId = text(m.operationId(), context, m, true);
    if (operationId != null) {
      op.id(operationId);
    }
    return op;
  }

  private void finish(
      UsageOperation op,
      TrackedMethod m,
      CallContext context,
      @Nullable Object value,
      @Nullable Throwable error) {
    try {
      context.result(value);
      // On failure there is no #result; a model expression that needs one is expected to fail.
      String model = text(m.model(), context, m, error == null);
      if (model != null) {
        op.model(model);
      }
      if (error != null) {
        op.failure(error);
        return;
      }
      op.success(tokens(m, context));
    } catch (RuntimeException e) {
      count("finish:" + m.method(), "Tally: could not finish tracking " + m.method(), e);
    }
  }

  /** With {@code counted} false a failure is neither logged nor counted (an expected one). */
  private @Nullable String text(
      TrackedMethod.@Nullable Expr expression,
      CallContext context,
      TrackedMethod m,
      boolean counted) {
    Object value = evaluate(expression, context, m, counted);
    return value == null ? null : String.valueOf(value);
  }

  private TokenUsage tokens(TrackedMethod m, CallContext context) {
    Object value = evaluate(m.tokens(), context, m, true);
    if (value == null) {
      return TokenUsage.missing();
    }
    if (value instanceof TokenUsage usage) {
      return usage;
    }
    String source = m.annotation().tokens();
    count(
        "type:" + m.method() + ":" + source,
        "Tally: tokens expression '"
            + source
            + "' on "
            + m.method()
            + " must return TokenUsage, returned "
            + value.getClass().getName(),
        null);
    return TokenUsage.missing();
  }

  private @Nullable Object evaluate(
      TrackedMethod.@Nullable Expr expression,
      CallContext context,
      TrackedMethod m,
      boolean counted) {
    if (expression == null) {
      return null;
    }
    try {
      return expression.parsed().getValue(context);
    } catch (RuntimeException e) {
      if (!counted) {
        return null;
      }
      count(
          "eval:" + m.method() + ":" + expression.source(),
          "Tally: expression '"
              + expression.source()
              + "' on "
              + m.method()
              + " failed: "
              + e.getMessage(),
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

  /** Resolved once per (method, target class); methods without the annotation map to empty. */
  static final class TrackedMethods {
    private final Map<MethodClassKey, Optional<TrackedMethod>> cache = new ConcurrentHashMap<>();
    // Mixed mode: expressions are compiled to bytecode after about a hundred interpreted runs.
    private final SpelExpressionParser parser;

    TrackedMethods(@Nullable ClassLoader classLoader) {
      this.parser =
          new SpelExpressionParser(
              new SpelParserConfiguration(SpelCompilerMode.MIXED, classLoader));
    }

    @Nullable TrackedMethod get(Method method, @Nullable Class<?> targetClass) {
      return cache
          .computeIfAbsent(
              new MethodClassKey(method, targetClass),
              k -> Optional.ofNullable(TrackedMethod.resolve(method, targetClass, parser)))
          .orElse(null);
    }
  }
}
