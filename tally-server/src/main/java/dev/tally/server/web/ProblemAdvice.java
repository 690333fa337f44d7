package dev.tally.server.web;

import dev.tally.server.budget.BudgetExceededException;
import dev.tally.server.model.ChatModelException;
import dev.tally.server.model.ChatModelTimeoutException;
import java.time.DateTimeException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every error of the API into an RFC 9457 problem ({@code application/problem+json}) with a
 * detail a client can act on; never a stack trace. Spring MVC's own exceptions (unsupported media
 * type, missing parameter, type mismatch, no handler) come through the base class.
 */
@RestControllerAdvice
class ProblemAdvice extends ResponseEntityExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

  @ExceptionHandler(ApiException.class)
  ProblemDetail api(ApiException e) {
    return problem(e.status(), e.getMessage());
  }

  /** 429 naming the budget, with Retry-After until its window resets. */
  @ExceptionHandler(BudgetExceededException.class)
  ResponseEntity<ProblemDetail> budgetExceeded(BudgetExceededException e) {
    ProblemDetail body = problem(e.status(), e.getMessage());
    body.setProperty("budgetId", e.refusal().status().budget().id());
    body.setProperty("windowEnd", e.refusal().status().window().end().toString());
    return ResponseEntity.status(e.status())
        .header(HttpHeaders.RETRY_AFTER, Long.toString(e.refusal().retryAfterSeconds()))
        .body(body);
  }

  /** Query values the ledger refuses (window, groupBy, ranges) name the parameter and value. */
  @ExceptionHandler({IllegalArgumentException.class, DateTimeException.class})
  ProblemDetail badValue(RuntimeException e) {
    return problem(HttpStatus.BAD_REQUEST, e.getMessage());
  }

  @ExceptionHandler(ChatModelTimeoutException.class)
  ProblemDetail providerTimeout(ChatModelTimeoutException e) {
    log.warn("chat model timed out: {}", e.getMessage());
    return problem(HttpStatus.GATEWAY_TIMEOUT, e.getMessage());
  }

  @ExceptionHandler(ChatModelException.class)
  ProblemDetail providerError(ChatModelException e) {
    log.warn("chat model failed: {}", e.getMessage());
    return problem(HttpStatus.BAD_GATEWAY, e.getMessage());
  }

  @ExceptionHandler(Exception.class)
  ProblemDetail unexpected(Exception e) {
    log.error("unexpected error", e);
    return problem(
        HttpStatus.INTERNAL_SERVER_ERROR, "internal error; the server log has the details");
  }

  @Override
  protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    ProblemDetail body =
        problem(HttpStatus.BAD_REQUEST, "request body must be a valid JSON object: " + reason(ex));
    return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
  }

  private static String reason(HttpMessageNotReadableException ex) {
    Throwable cause = ex.getMostSpecificCause();
    String message = cause.getMessage();
    if (message == null || message.isBlank()) {
      return "it could not be parsed";
    }
    // Parser messages end with a source excerpt that can echo back large input; keep the first
    // line.
    String first = message.lines().findFirst().orElse(message);
    return first.length() > 200 ? first.substring(0, 200) + "..." : first;
  }

  static ProblemDetail problem(HttpStatus status, @Nullable String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setTitle(status.getReasonPhrase());
    return problem;
  }
}
