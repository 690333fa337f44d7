package dev.tally.core.sink;

/**
 * A sink's answer that a batch holds data it will never accept, such as a value its schema refuses.
 * Retrying the same batch cannot help; the pipeline splits it until the bad event is alone and
 * writes that event, with this message as the reason, to its dead-letter file.
 */
public class UsageRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageRejectedException(String message) {
    super(message);
  }

  public UsageRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
