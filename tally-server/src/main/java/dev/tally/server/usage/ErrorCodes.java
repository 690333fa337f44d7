package dev.tally.server.usage;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The stable error codes a user sees on their own events ({@code bad_request}, {@code
 * provider_timeout}, ...), in place of the Java class or the {@code HTTP 404} the ledger keeps.
 * Admins read the ledger's type as stored. A type not listed here is {@code internal_error}.
 */
final class ErrorCodes {
  /** The code of an error this server does not expect; its message is not shown to the user. */
  static final String INTERNAL_ERROR = "internal_error";

  private static final Map<String, String> BY_TYPE =
      Map.of(
          "dev.tally.server.model.ChatModelTimeoutException", "provider_timeout",
          "dev.tally.server.model.ChatModelException", "provider_error",
          "dev.tally.server.budget.BudgetExceededException", "budget_exceeded",
          "dev.tally.server.web.ApiException", "bad_request",
          "java.lang.IllegalArgumentException", "bad_request",
          "dev.tally.core.event.UsageValidationException", "bad_request");

  private static final Map<Integer, String> BY_STATUS =
      Map.ofEntries(
          Map.entry(400, "bad_request"),
          Map.entry(401, "unauthorized"),
          Map.entry(403, "forbidden"),
          Map.entry(404, "not_found"),
          Map.entry(405, "method_not_allowed"),
          Map.entry(409, "conflict"),
          Map.entry(413, "content_too_large"),
          Map.entry(415, "unsupported_media_type"),
          Map.entry(429, "too_many_requests"),
          Map.entry(502, "provider_error"),
          Map.entry(503, "unavailable"),
          Map.entry(504, "provider_timeout"));

  private ErrorCodes() {}

  /** The code of a stored error type: a class name, or {@code HTTP <status>} from the filter. */
  static @Nullable String code(@Nullable String type) {
    if (type == null) {
      return null;
    }
    String byType = BY_TYPE.get(type);
    if (byType != null) {
      return byType;
    }
    if (type.startsWith("HTTP ")) {
      try {
        int status = Integer.parseInt(type.substring(5).trim());
        return BY_STATUS.getOrDefault(status, status < 500 ? "bad_request" : INTERNAL_ERROR);
      } catch (NumberFormatException e) {
        return INTERNAL_ERROR;
      }
    }
    return INTERNAL_ERROR;
  }
}
