package dev.tally.server.gateway;

import dev.tally.server.web.OpenAiErrors;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** An error the gateway answers in OpenAI's shape, with headers of its own (Retry-After). */
final class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final HttpStatus status;
  private final String type;
  private final @Nullable String code;
  private final Map<String, String> headers;

  GatewayException(HttpStatus status, String message, String type, @Nullable String code) {
    this(status, message, type, code, Map.of());
  }

  GatewayException(
      HttpStatus status,
      String message,
      String type,
      @Nullable String code,
      Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.headers = Map.copyOf(headers);
  }

  static GatewayException badRequest(String message) {
    return new GatewayException(HttpStatus.BAD_REQUEST, message, "invalid_request_error", null);
  }

  HttpStatus status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }

  Map<String, Object> body() {
    return OpenAiErrors.body(status, getMessage(), type, code);
  }
}
