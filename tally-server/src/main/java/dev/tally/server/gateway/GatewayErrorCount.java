package dev.tally.server.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts every {@code /v1} answer of 400 and above in {@value #METRIC}, tagged {@code status}, from
 * the first filter on (a 413 of the body limit and a 401 of {@link GatewayFilter} included): the
 * gateway's part of {@code http.server.requests}, which leaves {@code /v1} out.
 */
final class GatewayErrorCount extends OncePerRequestFilter {
  /** Gateway answers of 400 and above, tagged {@code status}. */
  static final String METRIC = "tally.gateway.errors";

  private final MeterRegistry meters;

  GatewayErrorCount(MeterRegistry meters) {
    this.meters = meters;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } finally {
      int status = response.getStatus();
      if (status >= 400) {
        meters.counter(METRIC, "status", Integer.toString(status)).increment();
      }
    }
  }
}
