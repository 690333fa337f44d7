package dev.tally.spring.aop;

import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import org.jspecify.annotations.Nullable;

/**
 * Feeds the elements of a streamed result (a {@code Flux}'s elements, an emitter's sent data) into
 * one {@link UsageStream}: their text as delivered output, and the tokens and model the method's
 * expressions read from them. Called by one thread at a time (Reactor serializes {@code onNext}; an
 * emitter sends under its write lock). Never throws.
 */
final class StreamFeeder {
  private final UsageStream stream;
  private final TrackedMethod method;
  private final CallContext call;
  private final Expressions expressions;
  private final boolean readsElements;
  private boolean modelKnown;

  StreamFeeder(
      UsageStream stream, TrackedMethod method, CallContext call, Expressions expressions) {
    this.stream = stream;
    this.method = method;
    this.call = call;
    this.expressions = expressions;
    this.readsElements =
        method.delivered() != null || method.tokens() != null || method.modelReadsResult();
  }

  UsageStream stream() {
    return stream;
  }

  void accept(@Nullable Object element) {
    if (element == null) {
      return;
    }
    try {
      if (!readsElements) {
        if (element instanceof CharSequence text) {
          stream.delivered(text);
        }
        return;
      }
      call.result(element);
      CharSequence text =
          method.delivered() == null
              ? element instanceof CharSequence cs ? cs : null
              : expressions.text(method.delivered(), call, method);
      if (text != null) {
        stream.delivered(text);
      }
      if (method.modelReadsResult() && !modelKnown) {
        String model = expressions.text(method.model(), call, method);
        if (model != null) {
          stream.model(model);
          modelKnown = true;
        }
      }
      if (method.tokens() != null) {
        TokenUsage usage = expressions.tokens(method, call);
        // Intermediate chunks often carry an empty usage; only a count is the provider's usage.
        if (usage != null && usage.isKnown() && usage.total() > 0) {
          stream.usage(usage);
        }
      }
    } catch (RuntimeException e) {
      expressions.failure("feed:" + method.method(), "Tally: could not read a streamed element", e);
    }
  }
}
