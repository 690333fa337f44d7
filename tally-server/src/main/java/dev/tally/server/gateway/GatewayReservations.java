package dev.tally.server.gateway;

import dev.tally.server.budget.BudgetExceededException;
import dev.tally.server.budget.BudgetUnavailableException;
import dev.tally.server.budget.CallReservations;
import dev.tally.server.model.TokenCounter;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fleet-wide budgets for gateway calls: what a chat completion or an embeddings request reserves
 * before its upstream is called, and the OpenAI-shaped answer when the reservation is refused. The
 * request's usage stream settles the reservation at its end ({@link GatewayExchange#reserved}).
 * With reservations off every call is {@link CallReservations.Call#NONE} and nothing is counted.
 */
final class GatewayReservations {
  private final CallReservations reservations;
  private final TokenCounter tokens;

  GatewayReservations(CallReservations reservations, TokenCounter tokens) {
    this.reservations = reservations;
    this.tokens = tokens;
  }

  /**
   * A chat completion's estimate: its prompt counted plus {@code max_completion_tokens} or {@code
   * max_tokens}, else the configured default. Refused: 429 {@code insufficient_quota} naming the
   * budget, with {@code Retry-After}; store down and fail closed: 503.
   */
  CallReservations.Call chat(GatewayExchange exchange, Upstreams.Route route, ObjectNode request) {
    if (!reservations.enabled()) {
      return CallReservations.Call.NONE;
    }
    return reserve(
        exchange, route, () -> tokens.countPrompt(Messages.of(request)), maxOutput(request));
  }

  /** An embeddings request's estimate: its input's tokens, no output. */
  CallReservations.Call embeddings(
      GatewayExchange exchange, Upstreams.Route route, ObjectNode request) {
    if (!reservations.enabled()) {
      return CallReservations.Call.NONE;
    }
    return reserve(exchange, route, () -> inputTokens(request.path("input")), OptionalLong.of(0));
  }

  private static OptionalLong maxOutput(ObjectNode request) {
    JsonNode max =
        request.path("max_completion_tokens").isNumber()
            ? request.path("max_completion_tokens")
            : request.path("max_tokens");
    return max.isNumber() && max.asLong() >= 0
        ? OptionalLong.of(max.asLong())
        : OptionalLong.empty();
  }

  /** An embeddings input's tokens: a string, or each string of an array (token arrays as is). */
  private long inputTokens(JsonNode input) {
    if (input.isString()) {
      return tokens.count(input.asString());
    }
    long total = 0;
    for (JsonNode item : input) {
      total += item.isString() ? tokens.count(item.asString()) : Math.max(1, item.size());
    }
    return total;
  }

  private CallReservations.Call reserve(
      GatewayExchange exchange,
      Upstreams.Route route,
      LongSupplier promptTokens,
      OptionalLong output) {
    try {
      CallReservations.Call call =
          reservations.reserve(
              exchange.requestId(),
              exchange.caller().subject(),
              route.model(),
              promptTokens,
              output);
      exchange.reserved(call);
      return call;
    } catch (BudgetExceededException e) {
      throw new GatewayException(
          HttpStatus.TOO_MANY_REQUESTS,
          "You exceeded your budget: " + e.getMessage() + ".",
          "insufficient_quota",
          "insufficient_quota",
          Map.of("Retry-After", Long.toString(e.refusal().retryAfterSeconds())));
    } catch (BudgetUnavailableException e) {
      throw new GatewayException(
          HttpStatus.SERVICE_UNAVAILABLE,
          e.getMessage(),
          "server_error",
          "budget_store_unavailable",
          Map.of("Retry-After", "1"));
    }
  }
}
