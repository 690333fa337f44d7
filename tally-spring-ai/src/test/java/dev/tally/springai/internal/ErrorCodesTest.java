package dev.tally.springai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorCodesTest {

  /** Shaped like the OpenAI and Anthropic SDKs' service exceptions. */
  static final class StatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    StatusException(int status) {
      super("status " + status);
      this.status = status;
    }

    public int statusCode() {
      return status;
    }
  }

  @Test
  void anHttpStatusAnywhereInTheCauseChainNamesTheCode() {
    RuntimeException wrapped =
        new CompletionException(
            new IllegalStateException("model failed", new StatusException(429)));
    assertThat(ErrorCodes.of(wrapped).type()).isEqualTo("provider.http_429");
  }

  @Test
  void timeoutsAndIoFailuresHaveTheirOwnCodes() {
    assertThat(ErrorCodes.of(new RuntimeException(new SocketTimeoutException("slow"))).type())
        .isEqualTo("provider.timeout");
    assertThat(ErrorCodes.of(new RuntimeException(new IOException("reset"))).type())
        .isEqualTo("provider.io");
  }

  @Test
  void anythingElseIsTheExceptionClassWithItsMessage() {
    assertThat(ErrorCodes.of(new IllegalArgumentException("bad prompt")))
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo("java.lang.IllegalArgumentException");
              assertThat(e.message()).isEqualTo("bad prompt");
            });
  }
}
