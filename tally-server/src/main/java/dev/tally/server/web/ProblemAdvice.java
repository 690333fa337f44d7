package dev.tally.server.web;

import dev.tally.server.budget.BudgetExceededException;
import dev.tally.server.model.ChatModelException;
import dev.tally.server.model.ChatModelTimeoutException;
import java.time.DateTimeException;
import java.util.stream.Collectors;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every error of the API into an RFC 9457 problem ({@code application/problem+json}) with a
 * detail a client can act on; never a stack trace. Spring MVC's own exceptions (unsupported media
 * type, missing parameter, no handler) come through the base class. Bad input is described by
 * {@link ErrorDetails} (the field or parameter and the JSON type it must be), and every detail
 * passes {@link Problems#detail}, so none names a Java package, class or method.
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

  /** A body that passed {@code tally.server.http.max-body-size} while it was read. */
  @ExceptionHandler(BodyTooLargeException.class)
  ProblemDetail bodyTooLarge(BodyTooLargeException e) {
    return problem(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
  }

  /** Query values the ledger refuses (window, groupBy, ranges) name the parameter and value. */
  @ExceptionHandler({IllegalArgumentException.class, DateTimeException.class})
  ProblemDetail badValue(RuntimeException e) {
    return problem(HttpStatus.BAD_REQUEST, e.getMessage());
  }

  /** Tomcat could not decode the query (a bad %-escape, too many parameters). */
  @ExceptionHandler(InvalidParameterException.class)
  ProblemDetail badParameters(InvalidParameterException e) {
    return problem(Problems.parameterStatus(e), Problems.BAD_PARAMETERS);
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

  /** A body that is empty, not JSON, or has a field of the wrong type; or one that is too large. */
  @Override
  protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    BodyTooLargeException tooLarge = BodyTooLargeException.find(ex);
    if (tooLarge != null) {
      ProblemDetail body = problem(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage());
      return handleExceptionInternal(ex, body, headers, HttpStatus.CONTENT_TOO_LARGE, request);
    }
    ProblemDetail body = problem(HttpStatus.BAD_REQUEST, ErrorDetails.body(ex.getCause()));
    return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
  }

  /** A query or path parameter that does not convert: {@code limit must be an integer}. */
  @Override
  protected @Nullable ResponseEntity<Object> handleTypeMismatch(
      TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    String name =
        ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
    ProblemDetail body =
        problem(
            HttpStatus.BAD_REQUEST,
            ErrorDetails.parameter(
                name == null ? "a parameter" : name, ex.getValue(), ex.getRequiredType()));
    return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
  }

  /** Query parameters bound to a record (the usage filters) that do not convert. */
  @Override
  protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    String detail =
        ex.getBindingResult().getFieldErrors().stream()
            .map(ProblemAdvice::describe)
            .collect(Collectors.joining("; "));
    ProblemDetail body =
        problem(HttpStatus.BAD_REQUEST, detail.isEmpty() ? "the parameters are invalid" : detail);
    return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
  }

  /** Every problem the base class builds (with Spring's own wording) has its detail checked. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex,
      @Nullable Object body,
      HttpHeaders headers,
      HttpStatusCode statusCode,
      WebRequest request) {
    if (body instanceof ProblemDetail problem) {
      HttpStatus status = HttpStatus.resolve(problem.getStatus());
      if (status != null) {
        problem.setDetail(Problems.detail(status, problem.getDetail()));
        problem.setTitle(status.getReasonPhrase());
      }
    }
    return super.handleExceptionInternal(ex, body, headers, statusCode, request);
  }

  private static String describe(FieldError error) {
    TypeMismatchException mismatch =
        error.contains(TypeMismatchException.class)
            ? error.unwrap(TypeMismatchException.class)
            : null;
    if (error.isBindingFailure() || mismatch != null) {
      return ErrorDetails.parameter(
          error.getField(),
          error.getRejectedValue(),
          mismatch == null ? null : mismatch.getRequiredType());
    }
    return error.getField() + " is invalid";
  }

  static ProblemDetail problem(HttpStatus status, @Nullable String detail) {
    return Problems.of(status, detail);
  }
}
