package dev.tally.server.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page ({@code /error}) as a problem: what Tomcat or a filter reports with {@code
 * sendError} or an exception outside the controllers (a {@code TRACE}, an exception in a filter) is
 * answered with RFC 9457 JSON, never Spring Boot's default error body. The detail is the status's
 * description; an exception's message is not shown, as it may name internals.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {
  static final String ERROR_METHOD = "jakarta.servlet.error.method";

  @RequestMapping("${server.error.path:${error.path:/error}}")
  ResponseEntity<?> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status =
        code instanceof Integer c && HttpStatus.resolve(c) != null
            ? HttpStatus.resolve(c)
            : HttpStatus.INTERNAL_SERVER_ERROR;
    String detail = Problems.describe(status.value());
    if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION)
        instanceof InvalidParameterException bad) {
      // Thrown by Tomcat when a filter asks for a parameter of a query it cannot decode.
      status = Problems.parameterStatus(bad);
      detail = Problems.BAD_PARAMETERS;
    }
    // An error dispatch is a GET; the request's own method is in this attribute (Servlet 6.1).
    Object method = request.getAttribute(ERROR_METHOD);
    if (status == HttpStatus.METHOD_NOT_ALLOWED
        && method instanceof String m
        && m.matches("[A-Z]{1,16}")) {
      detail = "method " + m + " is not allowed here";
    }
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    if (uri instanceof String path && OpenAiErrors.applies(path)) {
      return ResponseEntity.status(status)
          .contentType(MediaType.APPLICATION_JSON)
          .body(OpenAiErrors.body(status, detail));
    }
    ProblemDetail body = Problems.of(status, detail);
    if (uri instanceof String path) {
      try {
        body.setInstance(new URI(null, null, path, null));
      } catch (URISyntaxException e) {
        // A path that is no URI stays out of the problem.
      }
    }
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
  }
}
