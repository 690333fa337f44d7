package dev.tally.server.gateway;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The OpenAI-compatible endpoints. Bodies are read as bytes (any content type, as OpenAI accepts)
 * through the server's body limit; every other path or method under {@code /v1} is OpenAI's 404
 * {@code Invalid URL}.
 */
@Hidden
@RestController
@RequestMapping("/v1")
class GatewayController {
  private final GatewayService service;
  private final Upstreams upstreams;

  GatewayController(GatewayService service, Upstreams upstreams) {
    this.service = service;
    this.upstreams = upstreams;
  }

  @PostMapping("/chat/completions")
  void chat(HttpServletRequest request, HttpServletResponse response) throws IOException {
    service.chat(exchange(request), request.getInputStream().readAllBytes(), response);
  }

  @PostMapping("/embeddings")
  void embeddings(HttpServletRequest request, HttpServletResponse response) throws IOException {
    service.embeddings(exchange(request), request.getInputStream().readAllBytes(), response);
  }

  @GetMapping(value = "/models", produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> models(HttpServletRequest request, HttpServletResponse response) {
    List<Map<String, Object>> data =
        upstreams.listed().entrySet().stream().map(e -> model(e.getKey(), e.getValue())).toList();
    exchange(request).stamp(response, null);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("object", "list");
    body.put("data", data);
    return body;
  }

  @GetMapping(value = "/models/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> model(
      @PathVariable("id") String id, HttpServletRequest request, HttpServletResponse response) {
    Upstream upstream = upstreams.listed().get(id);
    if (upstream == null) {
      throw new GatewayException(
          HttpStatus.NOT_FOUND,
          "The model `"
              + GatewayService.excerpt(id)
              + "` does not exist or you do not have access to it.",
          "invalid_request_error",
          "model_not_found");
    }
    exchange(request).stamp(response, null);
    return model(id, upstream);
  }

  /** Whatever else is asked under /v1, with any method: OpenAI's answer to an unknown URL. */
  @RequestMapping("/**")
  void unknown(HttpServletRequest request) {
    throw new GatewayException(
        HttpStatus.NOT_FOUND,
        "Invalid URL ("
            + request.getMethod()
            + " "
            + GatewayService.excerpt(request.getRequestURI())
            + ")",
        "invalid_request_error",
        "unknown_url");
  }

  private static Map<String, Object> model(String id, Upstream upstream) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", id);
    model.put("object", "model");
    model.put("created", 0);
    model.put("owned_by", upstream.name());
    return model;
  }

  private static GatewayExchange exchange(HttpServletRequest request) {
    Object exchange = request.getAttribute(GatewayExchange.ATTRIBUTE);
    if (exchange instanceof GatewayExchange e) {
      return e;
    }
    throw new IllegalStateException("the gateway filter did not run");
  }
}
