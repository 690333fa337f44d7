package dev.tally.server.model;

/** The chat model did not answer in time; the API answers 504. */
public class ChatModelTimeoutException extends ChatModelException {
  private static final long serialVersionUID = 1L;

  public ChatModelTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
