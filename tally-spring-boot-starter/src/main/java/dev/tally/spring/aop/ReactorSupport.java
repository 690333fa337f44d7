package dev.tally.spring.aop;

import dev.tally.core.ResultMapper;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageStream;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Reactor return types; loaded only when Reactor is on the classpath. */
final class ReactorSupport {
  private ReactorSupport() {}

  /**
   * A {@code Mono}: the operation ends once, with the value (or none) on success, on error, or as
   * cancelled when the subscriber cancels. A null Mono is passed through, a success with unknown
   * usage.
   */
  static @Nullable Object mono(
      UsageOperation op, MethodInvocation invocation, ResultMapper<@Nullable Object> mapper)
      throws Throwable {
    Object result;
    try {
      result = invocation.proceed();
    } catch (Throwable t) {
      op.failure(t);
      throw t;
    }
    if (result == null) {
      op.attribute("tally.null_result", "true").success();
      return null;
    }
    return ((Mono<?>) result)
        .doOnSuccess(value -> op.success(value, mapper))
        .doOnError(op::failure)
        .doOnCancel(op::cancel);
  }

  /**
   * A {@code Flux}: one streamed operation. Each element is fed to the stream; completion, error
   * and cancellation (the client left) end it once. A null Flux is passed through and ends it.
   */
  static @Nullable Object flux(StreamFeeder feeder, MethodInvocation invocation) throws Throwable {
    UsageStream stream = feeder.stream();
    Object result;
    try {
      result = invocation.proceed();
    } catch (Throwable t) {
      stream.fail(t);
      throw t;
    }
    if (result == null) {
      stream.attribute("tally.null_result", "true").complete();
      return null;
    }
    return ((Flux<?>) result)
        .doOnNext(feeder::accept)
        .doOnComplete(stream::complete)
        .doOnError(stream::fail)
        .doOnCancel(stream::cancel);
  }
}
