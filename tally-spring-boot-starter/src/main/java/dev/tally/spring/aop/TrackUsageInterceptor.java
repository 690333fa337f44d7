package dev.tally.spring.aop;

import dev.tally.core.ResultMapper;
import dev.tally.core.TrackUsage;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.UsageContext;
import dev.tally.core.internal.OnceLogger;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * The interceptor behind {@link TrackUsage}: one usage event per call of an annotated method. It
 * evaluates the annotation's expressions into a {@link UsageContext} and hands the call to the
 * tracker ({@link UsageOperation#call} / {@link UsageOperation#callAsync}, whose rules it does not
 * repeat), plus adapters for Reactor and Spring MVC's emitters. The business result or exception
 * always reaches the caller unchanged; an expression that fails is reported by the one internal
 * failure reporter (WARN once per expression, then DEBUG), counted in {@link
 * #expressionFailures()}, and its value left out of the event.
 *
 * <p>Return types: plain values; {@link CompletionStage} (tracked on completion; a null stage is
 * passed through and tracked as a success with unknown usage); Reactor {@code Mono} (completion,
 * error or cancellation); and as one streamed operation ({@link UsageStream}) Reactor {@code Flux},
 * Spring MVC's {@code SseEmitter} and {@code ResponseBodyEmitter}: delivered text, the provider's
 * usage read from the elements, {@code CANCELLED} when the client leaves, an estimate when no usage
 * is reported.
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
          "reactor.core.publisher.Flux", TrackUsageInterceptor.class.getClassLoader());
  private static final boolean MVC =
      ClassUtils.isPresent(
          "org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter",
          TrackUsageInterceptor.class.getClassLoader());

  private final Supplier<@Nullable UsageTracker> trackerLookup;
  private final TrackedMethods methods;
  private final Expressions expressions = new Expressions(new OnceLogger(log));
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
  @SuppressWarnings("unchecked")
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    UsageTracker current = tracker();
    if (current == null || !current.isEnabled()) {
      return invocation.proceed();
    }
    Object target = invocation.getThis();
    Class<?> targetClass = target == null ? null : AopUtils.getTargetClass(target);
    TrackedMethod m = methods.get(invocation.getMethod(), targetClass);
    if (m == null) {
      return invocation.proceed();
    }
    CallContext call = new CallContext(target, m, invocation.getArguments());
    UsageContext context = expressions.context(m, call);
    String operationId = expressions.text(m.operationId(), call, m);
    String name = m.annotation().value();
    TrackedMethod.Kind kind = m.kind();
    if ((kind == TrackedMethod.Kind.FLUX && REACTOR)
        || (kind == TrackedMethod.Kind.EMITTER && MVC)) {
      UsageStream stream = current.startStream(name, context);
      if (operationId != null) {
        stream.id(operationId);
      }
      String prompt = expressions.text(m.prompt(), call, m);
      if (prompt != null) {
        stream.prompt(prompt);
      }
      StreamFeeder feeder = new StreamFeeder(stream, m, call, expressions);
      return kind == TrackedMethod.Kind.FLUX
          ? ReactorSupport.flux(feeder, invocation)
          : EmitterSupport.track(feeder, invocation, expressions);
    }
    UsageOperation op = current.start(name).context(context);
    if (operationId != null) {
      op.id(operationId);
    }
    ResultMapper<@Nullable Object> mapper = expressions.mapper(m, call);
    return switch (kind) {
      case STAGE ->
          op.callAsync(() -> (CompletionStage<@Nullable Object>) invocation.proceed(), mapper);
      case MONO ->
          REACTOR
              ? ReactorSupport.mono(op, invocation, mapper)
              : op.call(invocation::proceed, mapper);
      default -> op.call(invocation::proceed, mapper);
    };
  }

  /** Expressions (and reads of streamed elements) that failed, since start. */
  public long expressionFailures() {
    return expressions.failures();
  }

  private @Nullable UsageTracker tracker() {
    UsageTracker t = tracker;
    if (t == null) {
      t = trackerLookup.get();
      tracker = t;
    }
    return t;
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
