package dev.tally.server.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * The error body of the OpenAI-compatible gateway: {@code {"error": {"message", "type", "param",
 * "code"}}}, the shape OpenAI's SDKs parse into their typed exceptions. Every error under {@link
 * #PATH_PREFIX} has this shape instead of a problem (RFC 9457), also those written by the server's
 * filters and its error page. Messages pass {@link Problems#detail}, so none names Java internals.
 */
public final class OpenAiErrors {
  /** The path prefix of the gateway; errors below it are OpenAI-shaped. */
  public static final String PATH_PREFIX = "/v1";

  private OpenAiErrors() {}

  /** Whether a request path belongs to the gateway. */
  public static boolean applies(@Nullable String path) {
    return path != null
        && path.startsWith(PATH_PREFIX)
        && (path.length() == PATH_PREFIX.length() || path.charAt(PATH_PREFIX.length()) == '/');
  }

  /** The body, with the type and code OpenAI uses for the status. */
  public static Map<String, Object> body(HttpStatus status, @Nullable String message) {
    return body(status, message, type(status), code(status));
  }

  /** The body with an explicit type and code. */
  public static Map<String, Object> body(
      HttpStatus status, @Nullable String message, String type, @Nullable String code) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", Problems.detail(status, message));
    error.put("type", type);
    error.put("param", null);
    error.put("code", code);
    return Map.of("error", error);
  }

  /** Writes the body to a response nothing has been written to yet (filters, the error page). */
  public static void write(
      HttpServletResponse response, JsonMapper json, HttpStatus status, @Nullable String message)
      throws IOException {
    write(response, json, status, body(status, message));
  }

  /** Writes a body built by {@link #body}. */
  public static void write(
      HttpServletResponse response, JsonMapper json, HttpStatus status, Map<String, Object> body)
      throws IOException {
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.getOutputStream().write(json.writeValueAsBytes(body));
  }

  /** OpenAI's error type for a status. */
  static String type(HttpStatus status) {
    return switch (status) {
      case UNAUTHORIZED,
          BAD_REQUEST,
          NOT_FOUND,
          CONTENT_TOO_LARGE,
          METHOD_NOT_ALLOWED,
          UNSUPPORTED_MEDIA_TYPE ->
          "invalid_request_error";
      case FORBIDDEN -> "permission_error";
      case TOO_MANY_REQUESTS -> "rate_limit_error";
      default -> status.is5xxServerError() ? "server_error" : "invalid_request_error";
    };
  }

  /** OpenAI's error code for a status, where it has one. */
  static @Nullable String code(HttpStatus status) {
    return switch (status) {
      case UNAUTHORIZED -> "invalid_api_key";
      case NOT_FOUND -> "unknown_url";
      case CONTENT_TOO_LARGE -> "request_too_large";
      case TOO_MANY_REQUESTS -> "rate_limit_exceeded";
      default -> null;
    };
  }
}
