package dev.tally.core.event;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The type and a truncated message of a failed operation. Messages are cut to {@link
 * #MAX_MESSAGE_LENGTH} characters so a huge exception text never bloats the ledger.
 */
public record ErrorInfo(String type, @Nullable String message) {

  /** Longest message kept; longer ones are cut and end with an ellipsis. */
  public static final int MAX_MESSAGE_LENGTH = 512;

  /** Longest type name kept. */
  public static final int MAX_TYPE_LENGTH = 256;

  public ErrorInfo {
    if (type == null || type.isBlank()) {
      throw new UsageValidationException("error.type", type, "must not be blank");
    }
    if (type.length() > MAX_TYPE_LENGTH) {
      type = type.substring(0, MAX_TYPE_LENGTH);
    }
    if (message != null && message.length() > MAX_MESSAGE_LENGTH) {
      message = message.substring(0, MAX_MESSAGE_LENGTH - 1) + "\u2026";
    }
  }

  /**
   * The class name and message of a throwable. A {@link CompletionException} or {@link
   * ExecutionException} wrapping a cause is described by that cause: the wrapper only says the
   * failure crossed an asynchronous boundary.
   */
  public static ErrorInfo of(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return new ErrorInfo(current.getClass().getName(), current.getMessage());
  }
}
