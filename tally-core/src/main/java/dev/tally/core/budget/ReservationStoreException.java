package dev.tally.core.budget;

/** The reservation store cannot be reached or failed; nothing was changed by the call. */
public class ReservationStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReservationStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
