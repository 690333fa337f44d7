package dev.tally.server.gateway;

import dev.tally.server.auth.Caller;
import dev.tally.server.web.ApiException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The gateway view of the usage API: per model and upstream, and per key, over {@code from} and
 * {@code to} (instants; the last 24 hours by default), of every key or of one ({@code keyId}). A
 * user reads their own ({@code /api/usage/me/gateway}), the admin anyone's or everyone's ({@code
 * /api/usage/gateway}).
 */
@RestController
@RequestMapping("/api/usage")
class GatewayUsageController {
  private final GatewayUsage usage;
  private final Clock clock;

  GatewayUsageController(GatewayUsage usage, Clock clock) {
    this.usage = usage;
    this.clock = clock;
  }

  @GetMapping("/me/gateway")
  Map<String, Object> mine(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @RequestParam(required = false) @Nullable String from,
      @RequestParam(required = false) @Nullable String to,
      @RequestParam(required = false) @Nullable String keyId) {
    caller.requireUser();
    Instant end = instant("to", to, clock.instant());
    return usage.view(
        instant("from", from, end.minus(Duration.ofDays(1))), end, caller.subject(), keyId);
  }

  @GetMapping("/gateway")
  Map<String, Object> anyone(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @RequestParam(required = false) @Nullable String subject,
      @RequestParam(required = false) @Nullable String from,
      @RequestParam(required = false) @Nullable String to,
      @RequestParam(required = false) @Nullable String keyId) {
    caller.requireAdmin();
    Instant end = instant("to", to, clock.instant());
    return usage.view(instant("from", from, end.minus(Duration.ofDays(1))), end, subject, keyId);
  }

  private static Instant instant(String name, @Nullable String value, Instant otherwise) {
    if (value == null || value.isBlank()) {
      return otherwise;
    }
    try {
      return Instant.parse(value.trim());
    } catch (DateTimeException e) {
      throw ApiException.badRequest(
          name + " must be an instant such as 2026-12-03T00:00:00Z, was '" + value + "'");
    }
  }
}
