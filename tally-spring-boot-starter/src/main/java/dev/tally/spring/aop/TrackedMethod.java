package dev.tally.spring.aop;

import dev.tally.core.TrackUsage;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;

/**
 * What the interceptor needs about one annotated method, resolved once: the annotation (on the
 * method, an interface it implements or a superclass), its expressions parsed, and the argument
 * variables each expression may name ({@code #name}, {@code #a0}, {@code #p0}).
 */
record TrackedMethod(
    Method method,
    TrackUsage annotation,
    @Nullable Expr subject,
    @Nullable Expr userEmail,
    @Nullable Expr session,
    @Nullable Expr tenant,
    @Nullable Expr operationId,
    @Nullable Expr model,
    @Nullable Expr tokens,
    @Nullable Expr prompt,
    @Nullable Expr delivered,
    Map<String, Integer> argumentIndex,
    Kind kind) {

  /** How the method's declared return type is tracked. */
  enum Kind {
    /** A value: tracked when the method returns. */
    PLAIN,
    /** A {@code CompletionStage}: tracked when it completes. */
    STAGE,
    /** A Reactor {@code Mono}: tracked on completion, error or cancellation. */
    MONO,
    /** A Reactor {@code Flux}: one streamed operation. */
    FLUX,
    /** Spring MVC's {@code ResponseBodyEmitter} or {@code SseEmitter}: one streamed operation. */
    EMITTER
  }

  /** Whether the model expression reads the result (else it is known before the call). */
  boolean modelReadsResult() {
    return model != null && model.source().contains("#result");
  }

  private static final DefaultParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

  /** One parsed expression, or the reason it could not be parsed (reported when evaluated). */
  record Expr(String source, @Nullable Expression parsed, @Nullable String parseError) {
    @Nullable Object value(EvaluationContext context) {
      if (parsed == null) {
        throw new IllegalStateException("cannot parse: " + parseError);
      }
      return parsed.getValue(context);
    }
  }

  /** Null when neither the method nor what it overrides carries {@link TrackUsage}. */
  static @Nullable TrackedMethod resolve(
      Method method, @Nullable Class<?> targetClass, SpelExpressionParser parser) {
    Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
    TrackUsage a = AnnotatedElementUtils.findMergedAnnotation(specific, TrackUsage.class);
    if (a == null && specific != method) {
      a = AnnotatedElementUtils.findMergedAnnotation(method, TrackUsage.class);
    }
    if (a == null) {
      return null;
    }
    Map<String, Integer> index = new HashMap<>();
    String[] names = NAMES.getParameterNames(specific);
    for (int i = 0; i < specific.getParameterCount(); i++) {
      index.put("a" + i, i);
      index.put("p" + i, i);
    }
    if (names != null) {
      for (int i = 0; i < names.length; i++) {
        index.putIfAbsent(names[i], i);
      }
    }
    return new TrackedMethod(
        specific,
        a,
        parse(parser, a.subject()),
        parse(parser, a.userEmail()),
        parse(parser, a.session()),
        parse(parser, a.tenant()),
        parse(parser, a.operationId()),
        parse(parser, a.model()),
        parse(parser, a.tokens()),
        parse(parser, a.prompt()),
        parse(parser, a.delivered()),
        Map.copyOf(index),
        kind(specific.getReturnType()));
  }

  private static Kind kind(Class<?> type) {
    if (CompletionStage.class.isAssignableFrom(type)) {
      return Kind.STAGE;
    }
    if (isA(type, "reactor.core.publisher.Flux")) {
      return Kind.FLUX;
    }
    if (isA(type, "reactor.core.publisher.Mono")) {
      return Kind.MONO;
    }
    if (isA(type, "org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter")) {
      return Kind.EMITTER;
    }
    return Kind.PLAIN;
  }

  /** By name, so a type whose library is absent is simply not it. */
  private static boolean isA(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable Expr parse(SpelExpressionParser parser, String source) {
    if (source.isEmpty()) {
      return null;
    }
    try {
      return new Expr(source, parser.parseExpression(source), null);
    } catch (ParseException e) {
      return new Expr(source, null, e.getMessage());
    }
  }
}
