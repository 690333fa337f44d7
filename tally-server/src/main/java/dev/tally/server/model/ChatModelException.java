package dev.tally.server.model;

/** The chat model failed or answered with an error; the API answers 502. */
public class ChatModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ChatModelException(String message) {
    super(message);
  }

  public ChatModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
