package dev.tally.core;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A started operation, from {@link UsageTracker#start(String)}. Set what becomes known while it
 * runs, then end it once with {@link #success} or {@link #failure}; the duration is measured by the
 * tracker's clock from start to end. Ending it again does nothing. Ending never throws: an invalid
 * value is logged and counted, and the business call goes on.
 *
 * <p>Setters are meant for the thread that runs the operation; they are not synchronized.
 */
public interface UsageOperation {

  UsageOperation subject(@Nullable String subject);

  UsageOperation userEmail(@Nullable String email);

  UsageOperation sessionId(@Nullable String sessionId);

  UsageOperation tenant(@Nullable String tenant);

  UsageOperation model(@Nullable String model);

  UsageOperation provider(@Nullable String provider);

  UsageOperation attribute(String key, String value);

  /** The content lengths, and text if the tracker's capture policy keeps it. */
  UsageOperation content(ContentSummary content);

  /** An operation id for idempotence: an event with an id the store has is stored once. */
  UsageOperation id(String operationId);

  /** Copies every value of the context. */
  UsageOperation context(UsageContext context);

  /** Time since start, by the tracker's clock. */
  Duration elapsed();

  /** Ends the operation as a success with unknown token usage. */
  default boolean success() {
    return success(TokenUsage.missing());
  }

  /**
   * Ends the operation as a success and tracks it.
   *
   * @return true if this call ended the operation, false if it had already ended
   */
  boolean success(TokenUsage tokens);

  /**
   * Ends the operation as a success, with what {@code mapper} reads from {@code result}: tokens,
   * model, attributes. A mapper that throws is logged and counted; what it did not set is missing.
   *
   * @return true if this call ended the operation, false if it had already ended
   */
  <T extends @Nullable Object> boolean success(T result, ResultMapper<? super T> mapper);

  /**
   * Ends the operation as {@link Outcome#CANCELLED}: the caller left before it ended (for example a
   * subscriber that cancelled). Not an error; the tokens are unknown.
   *
   * @return true if this call ended the operation, false if it had already ended
   */
  boolean cancel();

  /** Ends the operation as a failure with unknown token usage. */
  default boolean failure(Throwable error) {
    return failure(error, TokenUsage.missing());
  }

  /**
   * Ends the operation as a failure, with tokens the failed call still used, and tracks it.
   *
   * @return true if this call ended the operation, false if it had already ended
   */
  default boolean failure(Throwable error, TokenUsage tokens) {
    return failure(error == null ? new ErrorInfo("unknown", null) : ErrorInfo.of(error), tokens);
  }

  /**
   * Ends the operation as a failure described without an exception, for example an HTTP status.
   *
   * @return true if this call ended the operation, false if it had already ended
   */
  boolean failure(ErrorInfo error, TokenUsage tokens);

  /**
   * Runs {@code body} as this operation and ends it: a success with what {@code mapper} reads from
   * the result, or a failure with the exception, which is rethrown unchanged. This is what {@link
   * UsageTracker#call(String, UsageContext, UsageTracker.Body, ResultMapper)} does after {@code
   * start(operation).context(context)}; call it directly to set more first (an {@link #id}).
   */
  default <T extends @Nullable Object, E extends Throwable> T call(
      UsageTracker.Body<T, E> body, ResultMapper<? super T> mapper) throws E {
    T result;
    try {
      result = body.get();
    } catch (Throwable t) {
      failure(t);
      throw t;
    }
    success(result, mapper);
    return result;
  }

  /**
   * Runs {@code body} as this operation and ends it when the stage it returns completes, as {@link
   * UsageTracker#callAsync(String, UsageContext, UsageTracker.Body, ResultMapper)} describes: the
   * same stage is returned untouched; a null stage is passed through and ended as a success with
   * unknown usage (attribute {@code tally.null_result=true}); a body that throws ends it as a
   * failure and the exception is rethrown. The one place this rule lives.
   */
  default <T extends @Nullable Object, E extends Throwable> @Nullable CompletionStage<T> callAsync(
      UsageTracker.Body<? extends @Nullable CompletionStage<T>, E> body,
      ResultMapper<? super T> mapper)
      throws E {
    CompletionStage<T> stage;
    try {
      stage = body.get();
    } catch (Throwable t) {
      failure(t);
      throw t;
    }
    if (stage == null) {
      attribute("tally.null_result", "true").success(TokenUsage.missing());
      return null;
    }
    try {
      stage.whenComplete(
          (result, error) -> {
            if (error != null) {
              failure(error);
            } else {
              success(result, mapper);
            }
          });
    } catch (RuntimeException e) {
      // A stage that cannot be observed: end now rather than never; the call is unaffected.
      attribute("tally.unobserved", "true").success(TokenUsage.missing());
    }
    return stage;
  }
}
