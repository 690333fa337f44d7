package dev.tally.server.auth;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Guards {@code /actuator}: {@code /actuator/health} (and its groups, such as {@code
 * /health/liveness}) answers anyone, without details; every other endpoint ({@code prometheus},
 * {@code metrics}, {@code tally}, {@code info}) needs {@code Authorization: Bearer} with the
 * metrics key ({@code tally.server.metrics-key}) or the admin key. A caller with one of those keys
 * also sees the health details: the request carries a principal, which {@code
 * management.endpoint.health.show-details=when-authorized} asks for.
 */
final class ActuatorKeyFilter extends OncePerRequestFilter {
  private static final String BEARER = "Bearer ";
  private static final Pattern HEALTH = Pattern.compile("/actuator/health(/[A-Za-z0-9_-]+)*/?");

  private final ApiKeys keys;
  private final JsonMapper json;
  private final byte @Nullable [] metricsKeyHash;

  /**
   * @param metricsKey the scrape-only key, or null for none (then only the admin key reads)
   */
  ActuatorKeyFilter(ApiKeys keys, JsonMapper json, @Nullable String metricsKey) {
    this.keys = keys;
    this.json = json;
    this.metricsKeyHash = metricsKey == null ? null : sha256(metricsKey);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      if (isHealth(request)) {
        chain.doFilter(request, response);
      } else {
        reject(
            request,
            response,
            HttpStatus.UNAUTHORIZED,
            "this endpoint needs the metrics key or the admin key: send 'Authorization: Bearer"
                + " <key>'");
      }
      return;
    }
    if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      reject(request, response, HttpStatus.UNAUTHORIZED, "Authorization must be 'Bearer <key>'");
      return;
    }
    String key = header.substring(BEARER.length()).trim();
    if (metricsKeyHash != null && MessageDigest.isEqual(metricsKeyHash, sha256(key))) {
      chain.doFilter(withPrincipal(request, "metrics"), response);
      return;
    }
    Optional<Caller> caller = keys.authenticate(key);
    if (caller.isEmpty()) {
      reject(request, response, HttpStatus.UNAUTHORIZED, "the key is not valid");
    } else if (!caller.get().admin()) {
      reject(
          request,
          response,
          HttpStatus.FORBIDDEN,
          "a user's API key cannot read this endpoint: use the metrics key or the admin key");
    } else {
      chain.doFilter(withPrincipal(request, caller.get().subject()), response);
    }
  }

  /**
   * Health answers anonymously only when both the raw path and the container's normalized one name
   * it, so no encoding or dot segment can reach another endpoint through the health exemption.
   */
  private static boolean isHealth(HttpServletRequest request) {
    String raw = request.getRequestURI().substring(request.getContextPath().length());
    String pathInfo = request.getPathInfo();
    String normalized = request.getServletPath() + (pathInfo == null ? "" : pathInfo);
    return HEALTH.matcher(raw).matches() && HEALTH.matcher(normalized).matches();
  }

  private static HttpServletRequest withPrincipal(HttpServletRequest request, String name) {
    Principal principal = () -> name;
    return new HttpServletRequestWrapper(request) {
      @Override
      public Principal getUserPrincipal() {
        return principal;
      }
    };
  }

  private static byte[] sha256(String key) {
    return ApiKeys.hash(key).getBytes(StandardCharsets.US_ASCII);
  }

  private void reject(
      HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    ProblemResponse.write(request, response, json, status, detail);
  }
}
