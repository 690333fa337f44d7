package dev.tally.server.auth;

import dev.tally.spring.web.UsageTrackingFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Resolves the {@link Caller} of every {@code /api/*} request and names it to Tally's HTTP
 * middleware through the request attribute {@link UsageTrackingFilter#SUBJECT_ATTRIBUTE}, so HTTP
 * events carry the user. No {@code Authorization} header means anonymous; an unknown key or another
 * scheme is answered here with a 401 problem, before any controller runs.
 */
final class ApiKeyFilter extends OncePerRequestFilter {
  private static final String BEARER = "Bearer ";

  private final ApiKeys keys;
  private final JsonMapper json;

  /** Bodies are held to their limit before this filter, by the web package's body limit filter. */
  ApiKeyFilter(ApiKeys keys, JsonMapper json) {
    this.keys = keys;
    this.json = json;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    Caller caller;
    if (header == null || header.isBlank()) {
      caller = Caller.anonymous();
    } else if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      reject(
          request, response, HttpStatus.UNAUTHORIZED, "Authorization must be 'Bearer <api key>'");
      return;
    } else {
      Optional<Caller> known = keys.authenticate(header.substring(BEARER.length()).trim());
      if (known.isEmpty()) {
        reject(request, response, HttpStatus.UNAUTHORIZED, "the API key is not valid");
        return;
      }
      caller = known.get();
    }
    request.setAttribute(Caller.ATTRIBUTE, caller);
    request.setAttribute(UsageTrackingFilter.SUBJECT_ATTRIBUTE, caller.subject());
    chain.doFilter(request, response);
  }

  private void reject(
      HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    ProblemResponse.write(request, response, json, status, detail);
  }
}
