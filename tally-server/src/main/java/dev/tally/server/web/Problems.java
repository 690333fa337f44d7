package dev.tally.server.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * The RFC 9457 problem bodies of the server. Every detail passes through {@link #detail}, which
 * refuses any text naming Java internals (a package, a nested class, an exception) and answers the
 * status's plain description instead, so that no message from a library reaches a client.
 */
public final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  /** What a Java name looks like in a message: a known package, a nested class, an exception. */
  static final Pattern JAVA_NAME =
      Pattern.compile(
          "(java|javax|jakarta|sun|dev\\.tally|org\\.springframework|org\\.apache|tools\\.jackson"
              + "|com\\.fasterxml)\\.|\\$[A-Z]|Exception");

  /** The detail when Tomcat cannot decode the query parameters. */
  static final String BAD_PARAMETERS =
      "the query parameters cannot be read: each must be name=value, with %-escapes of UTF-8"
          + " bytes only, and not too many of them";

  private Problems() {}

  /** The status of a query Tomcat refused: 400, or the 4xx it chose (413 for a large form). */
  static HttpStatus parameterStatus(InvalidParameterException e) {
    HttpStatus status = HttpStatus.resolve(e.getErrorCode());
    return status != null && status.is4xxClientError() ? status : HttpStatus.BAD_REQUEST;
  }

  /** A problem with the status's reason phrase as its title. */
  static ProblemDetail of(HttpStatus status, @Nullable String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail(status, detail));
    problem.setTitle(status.getReasonPhrase());
    return problem;
  }

  /** The detail to send: the given one, or the status's description when it names internals. */
  static String detail(HttpStatus status, @Nullable String detail) {
    if (detail == null || detail.isBlank()) {
      return describe(status.value());
    }
    if (JAVA_NAME.matcher(detail).find()) {
      log.debug("problem detail replaced, it names Java internals: {}", detail);
      return describe(status.value());
    }
    return detail;
  }

  /** A plain description of a status, for errors that carry no detail of their own. */
  static String describe(int status) {
    return switch (status) {
      case 400 -> "the request is malformed";
      case 401 -> "an API key is required: send 'Authorization: Bearer <api key>'";
      case 403 -> "this API key may not do that";
      case 404 -> "nothing is here";
      case 405 -> "this method is not allowed here";
      case 406 -> "the response can only be JSON";
      case 408 -> "the request took too long to arrive";
      case 413 -> "the request body is too large";
      case 414 -> "the request URI is too long";
      case 415 -> "the request body must be JSON (Content-Type: application/json)";
      case 429 -> "too many requests";
      case 431 -> "the request headers are too large";
      case 501 ->
          "the request uses what this server does not implement (a transfer coding other than chunked, a method)";
      case 505 -> "this HTTP version is not supported: use HTTP/1.1";
      case 502 -> "the model provider failed";
      case 503 -> "the server is not available now";
      case 504 -> "the model provider did not answer in time";
      default ->
          status >= 500 ? "internal error; the server log has the details" : "the request failed";
    };
  }

  /**
   * Writes a problem to a response nothing has been written to yet (filters, valves); under the
   * gateway's path ({@code instance} starting {@code /v1/}) the error is OpenAI-shaped instead
   * ({@link OpenAiErrors}).
   */
  public static void write(
      HttpServletResponse response,
      JsonMapper json,
      HttpStatus status,
      @Nullable String detail,
      @Nullable String instance)
      throws IOException {
    if (OpenAiErrors.applies(instance)) {
      OpenAiErrors.write(response, json, status, detail);
      return;
    }
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.getOutputStream().write(json.writeValueAsBytes(body(status, detail, instance)));
  }

  /** The members of a problem, in the order Spring writes them. */
  public static Map<String, Object> body(
      HttpStatus status, @Nullable String detail, @Nullable String instance) {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "about:blank");
    problem.put("title", status.getReasonPhrase());
    problem.put("status", status.value());
    problem.put("detail", detail(status, detail));
    if (instance != null) {
      problem.put("instance", instance);
    }
    return problem;
  }
}
