package dev.tally.server.gateway;

import dev.tally.server.web.BodyTooLargeException;
import dev.tally.server.web.OpenAiErrors;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error of the gateway's controller in OpenAI's shape (not problem JSON, which the rest of
 * the server answers): ahead of the server's problem advice, and only for the gateway.
 */
@RestControllerAdvice(assignableTypes = GatewayController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class GatewayErrorAdvice {
  private static final Logger log = LoggerFactory.getLogger(GatewayErrorAdvice.class);

  private final JsonMapper json;

  GatewayErrorAdvice(JsonMapper json) {
    this.json = json;
  }

  @ExceptionHandler(GatewayException.class)
  void gateway(GatewayException e, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (e.status().is5xxServerError()) {
      log.warn("gateway request failed: {}", e.getMessage());
    }
    e.headers().forEach(response::setHeader);
    write(request, response, e.status(), e.body());
  }

  @ExceptionHandler(Exception.class)
  void other(Exception e, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    BodyTooLargeException tooLarge = BodyTooLargeException.find(e);
    if (tooLarge != null) {
      write(
          request,
          response,
          HttpStatus.CONTENT_TOO_LARGE,
          OpenAiErrors.body(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage()));
      return;
    }
    if (e instanceof org.springframework.web.ErrorResponse spring) {
      HttpStatus status = HttpStatus.resolve(spring.getStatusCode().value());
      if (status != null && status.is4xxClientError()) {
        write(request, response, status, OpenAiErrors.body(status, null));
        return;
      }
    }
    log.error("gateway request failed unexpectedly", e);
    write(
        request,
        response,
        HttpStatus.INTERNAL_SERVER_ERROR,
        OpenAiErrors.body(HttpStatus.INTERNAL_SERVER_ERROR, null));
  }

  private void write(
      HttpServletRequest request,
      HttpServletResponse response,
      HttpStatus status,
      java.util.Map<String, Object> body)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    if (request.getAttribute(GatewayExchange.ATTRIBUTE) instanceof GatewayExchange exchange) {
      exchange.stamp(response, null);
    }
    OpenAiErrors.write(response, json, status, body);
  }
}
