package dev.tally.spring.aop;

import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.expression.spel.support.StandardEvaluationContext;

/**
 * The evaluation context of one intercepted call: the target as root object, the arguments as
 * variables by name and position (read from the call's argument array, never copied), and {@code
 * #result} once the call has returned.
 */
final class CallContext extends StandardEvaluationContext {
  private final Map<String, Integer> argumentIndex;
  private final @Nullable Object[] arguments;
  private @Nullable Object result;
  private boolean hasResult;

  CallContext(@Nullable Object target, TrackedMethod method, @Nullable Object[] arguments) {
    super(target);
    this.argumentIndex = method.argumentIndex();
    this.arguments = arguments;
  }

  void result(@Nullable Object value) {
    this.result = value;
    this.hasResult = true;
  }

  @Override
  public @Nullable Object lookupVariable(String name) {
    if (hasResult && "result".equals(name)) {
      return result;
    }
    Integer i = argumentIndex.get(name);
    if (i != null && i < arguments.length) {
      return arguments[i];
    }
    return super.lookupVariable(name);
  }
}
