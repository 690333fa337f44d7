package dev.tally.core;

import dev.tally.core.event.TokenUsage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads what a call's result says about its usage: the tokens, the exact model that answered, and
 * extra attributes. Given to {@link UsageTracker#call(String, UsageContext, UsageTracker.Body,
 * ResultMapper)} and {@link UsageOperation#success(Object, ResultMapper)}; called once, on the
 * thread that completes the call, only when the call succeeded.
 *
 * <pre>{@code
 * tracker.call("chat", context, () -> model.chat(message),
 *     (reply, usage) -> usage.model(reply.model()).tokens(reply.usage()));
 * }</pre>
 *
 * <p>A mapper that throws never breaks the call: what it set before it threw is kept, the tokens it
 * did not set are recorded as {@link TokenUsage#missing()}, and the failure is logged (WARN once,
 * then DEBUG) and counted.
 */
@FunctionalInterface
public interface ResultMapper<T extends @Nullable Object> {

  /** Describes {@code result} into {@code usage}. Tokens left unset are recorded as missing. */
  void describe(T result, Description usage);

  /** A mapper that reads only the tokens; a function returning null means missing. */
  static <T extends @Nullable Object> ResultMapper<T> tokens(
      Function<? super T, @Nullable TokenUsage> usage) {
    return (result, into) -> into.tokens(usage.apply(result));
  }

  /** A mapper that reads nothing: the usage is recorded as missing. */
  static <T extends @Nullable Object> ResultMapper<T> none() {
    return (result, into) -> {};
  }

  /** What a mapper may say about a result. Each setter replaces an earlier value. */
  interface Description {
    /** The tokens the call used; null means missing. */
    Description tokens(@Nullable TokenUsage tokens);

    /** The exact model that answered (providers name the version); null keeps the context's. */
    Description model(@Nullable String model);

    /** An extra attribute of the event. */
    Description attribute(String key, String value);
  }
}
