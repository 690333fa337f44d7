package dev.tally.server.gateway;

/**
 * An upstream that could not be reached or did not answer in time; a fallback is tried when one is
 * configured. The message never holds the upstream's key.
 */
final class UpstreamFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  enum Kind {
    CONNECT,
    TIMEOUT
  }

  private final Kind kind;

  UpstreamFailure(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }
}
