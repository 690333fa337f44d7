package dev.tally.server.gateway;

import dev.tally.server.auth.ApiKeys;
import dev.tally.server.auth.Caller;
import dev.tally.server.web.OpenAiErrors;
import dev.tally.spring.web.UsageTrackingFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The door of {@code /v1}: gives every request its {@code x-tally-request-id}, and requires {@code
 * Authorization: Bearer <Tally API key>} (a known, unexpired key; there is no anonymous gateway
 * use). A missing or unknown key is a 401 in OpenAI's shape, which the SDKs raise as their
 * authentication error. The caller is named to Tally's HTTP middleware, as on {@code /api}.
 */
final class GatewayFilter extends OncePerRequestFilter {
  private static final String BEARER = "Bearer ";

  private final ApiKeys keys;
  private final JsonMapper json;

  GatewayFilter(ApiKeys keys, JsonMapper json) {
    this.keys = keys;
    this.json = json;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    GatewayExchange exchange = new GatewayExchange(requestId(), System.nanoTime());
    request.setAttribute(GatewayExchange.ATTRIBUTE, exchange);
    response.setHeader(GatewayExchange.REQUEST_ID_HEADER, exchange.requestId());
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      reject(
          response,
          exchange,
          "You didn't provide an API key. You need to provide your Tally API key in an"
              + " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
      return;
    }
    Optional<ApiKeys.KeyCaller> known = keys.identify(header.substring(BEARER.length()).trim());
    if (known.isEmpty()) {
      reject(
          response,
          exchange,
          "Incorrect API key provided: the key is unknown, revoked or expired.");
      return;
    }
    Caller caller = known.get().caller();
    exchange.authenticated(caller, known.get().keyId());
    request.setAttribute(Caller.ATTRIBUTE, caller);
    request.setAttribute(UsageTrackingFilter.SUBJECT_ATTRIBUTE, caller.subject());
    chain.doFilter(request, response);
  }

  private void reject(HttpServletResponse response, GatewayExchange exchange, String message)
      throws IOException {
    exchange.stamp(response, null);
    OpenAiErrors.write(response, json, HttpStatus.UNAUTHORIZED, message);
  }

  private static String requestId() {
    byte[] bytes = new byte[12];
    ThreadLocalRandom.current().nextBytes(bytes);
    return "req_" + HexFormat.of().formatHex(bytes);
  }
}
