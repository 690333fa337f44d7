package dev.tally.server.web;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A request body passed the limit while it was being read; answered with 413. An {@link
 * IOException}, as the input stream's contract says, so every reader passes it on as a failed read.
 */
public final class BodyTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  BodyTooLargeException(long limit) {
    super("request body is over the limit: at most " + limit + " bytes are accepted");
  }

  /** The exception, if {@code error} or one of its causes is one. */
  public static @Nullable BodyTooLargeException find(Throwable error) {
    for (@Nullable Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof BodyTooLargeException tooLarge) {
        return tooLarge;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
