package dev.tally.server.auth;

import dev.tally.server.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

/** An RFC 9457 problem written by a filter, before any controller (and its advice) runs. */
final class ProblemResponse {
  private ProblemResponse() {}

  static void write(
      HttpServletRequest request,
      HttpServletResponse response,
      JsonMapper json,
      HttpStatus status,
      String detail)
      throws IOException {
    if (status == HttpStatus.UNAUTHORIZED) {
      response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
    Problems.write(response, json, status, detail, request.getRequestURI());
  }
}
