package dev.tally.core;

import java.time.Duration;
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
}
