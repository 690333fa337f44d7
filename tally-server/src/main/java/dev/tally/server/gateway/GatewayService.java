package dev.tally.server.gateway;

import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.server.auth.Caller;
import dev.tally.server.budget.CallReservations;
import dev.tally.server.model.TokenCounter;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chat completions and embeddings through the gateway: parse the request as a JSON tree (unknown
 * fields kept), route its model, admit it (budgets, rate limits), call the upstream (with its
 * fallback), and answer the upstream's body byte for byte. Each admitted request is one usage
 * event, through a {@link UsageStream}: the upstream's usage ({@code REPORTED}, cached and
 * reasoning tokens included; {@code ESTIMATED} from the local echo or when an answer has none), the
 * key's id ({@value #KEY_ATTRIBUTE}), the request id, the upstream that answered; a failure with
 * its upstream error; {@code CANCELLED} when the answer could not be delivered.
 */
final class GatewayService {
  static final String KEY_ATTRIBUTE = "tally.key_id";
  static final String REQUEST_ATTRIBUTE = "tally.request_id";
  static final int MAX_ERROR_EXCERPT = 300;

  private final Upstreams upstreams;
  private final Admission admission;
  private final UsageTracker tracker;
  private final PriceCatalog prices;
  private final JsonMapper json;
  private final Clock clock;
  private final StreamRelay relay;
  private final TokenCounter tokens;
  private GatewayReservations reservations;

  GatewayService(
      Upstreams upstreams,
      Admission admission,
      UsageTracker tracker,
      PriceCatalog prices,
      JsonMapper json,
      TokenCounter tokens,
      Clock clock) {
    this.upstreams = upstreams;
    this.admission = admission;
    this.tracker = tracker;
    this.prices = prices;
    this.json = json;
    this.clock = clock;
    this.relay = new StreamRelay(this, json, tokens);
    this.tokens = tokens;
    this.reservations = new GatewayReservations(CallReservations.off(), tokens);
  }

  /** Fleet-wide budgets: chat completions and embeddings reserve their estimate first. */
  GatewayService reserving(CallReservations reservations) {
    this.reservations = new GatewayReservations(reservations, tokens);
    return this;
  }

  /** {@code POST /v1/chat/completions}, plain or streamed. */
  void chat(GatewayExchange exchange, byte[] body, HttpServletResponse response)
      throws IOException {
    ObjectNode request = parse(body);
    Upstreams.Route route = route(request);
    route.upstream().accepts("/chat/completions", request);
    admission.admit(exchange, response);
    request.put("model", route.model());
    try (CallReservations.Call reserved = reservations.chat(exchange, route, request)) {
      if (request.path("stream").asBoolean(false)) {
        relay.stream(exchange, route, request, response);
      } else {
        plain("chat", "/chat/completions", exchange, route, request, response);
      }
    }
  }

  /** {@code POST /v1/embeddings}: operation {@code embeddings}, input tokens. */
  void embeddings(GatewayExchange exchange, byte[] body, HttpServletResponse response)
      throws IOException {
    ObjectNode request = parse(body);
    Upstreams.Route route = route(request);
    route.upstream().accepts("/embeddings", request);
    admission.admit(exchange, response);
    request.put("model", route.model());
    try (CallReservations.Call reserved = reservations.embeddings(exchange, route, request)) {
      plain("embeddings", "/embeddings", exchange, route, request, response);
    }
  }

  private void plain(
      String operation,
      String path,
      GatewayExchange exchange,
      Upstreams.Route route,
      ObjectNode request,
      HttpServletResponse response)
      throws IOException {
    try (UsageStream usage = start(operation, exchange, route)) {
      Attempt.Result<Upstream.Answer> result =
          call(
              exchange, route, usage, u -> u.call(path, request), Upstream.Answer::status, a -> {});
      Upstream answered = result.upstream();
      Upstream.Answer answer = result.answer();
      if (answer.status() / 100 != 2) {
        upstreamError(exchange, usage, answered, answer.status(), answer.body(), response);
        return;
      }
      JsonNode root;
      try {
        root = json.readTree(answer.body());
      } catch (JacksonException e) {
        usage.fail(new ErrorInfo("upstream.invalid_json", "upstream '" + answered.name() + "'"));
        throw new GatewayException(
            HttpStatus.BAD_GATEWAY,
            "upstream '" + answered.name() + "' answered with invalid JSON",
            "server_error",
            "upstream_error");
      }
      String model = root.path("model").isString() ? root.path("model").asString() : route.model();
      usage.model(model);
      TokenUsage reported = usage(root.path("usage"), answered);
      if (reported != null) {
        usage.usage(reported);
      } else if (operation.equals("chat")) {
        usage.prompt(Messages.promptText(request));
        usage.delivered(
            Messages.text(root.path("choices").path(0).path("message").path("content")));
      } else {
        usage.prompt(request.path("input").toString());
      }
      TokenUsage tokens = usage.tokens();
      exchange.stamp(response, cost(model, tokens));
      response.setStatus(200);
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
      response.setContentLength(answer.body().length);
      try {
        response.getOutputStream().write(answer.body());
        response.flushBuffer();
      } catch (IOException e) {
        usage.cancel();
        admission.used(exchange, tokens.total());
        return;
      }
      usage.complete();
      admission.used(exchange, tokens.total());
    }
  }

  <T> Attempt.Result<T> call(
      GatewayExchange exchange,
      Upstreams.Route route,
      UsageStream usage,
      java.util.function.Function<Upstream, T> call,
      java.util.function.ToIntFunction<T> status,
      java.util.function.Consumer<T> discard) {
    try {
      return Attempt.run(upstreams, route.upstream(), exchange, usage, call, status, discard);
    } catch (UpstreamFailure e) {
      String kind = e.kind().name().toLowerCase(Locale.ROOT);
      usage.fail(new ErrorInfo("upstream." + kind, e.getMessage()));
      throw new GatewayException(
          e.kind() == UpstreamFailure.Kind.TIMEOUT
              ? HttpStatus.GATEWAY_TIMEOUT
              : HttpStatus.BAD_GATEWAY,
          e.getMessage(),
          "server_error",
          "upstream_" + kind);
    }
  }

  /**
   * An upstream's non-2xx answer: recorded as a failure, answered with the upstream's status and
   * its error body when that is OpenAI-shaped (its key scrubbed), else a 502 saying so. An upstream
   * 401 or 403 is about the gateway's upstream key, not the client's: a 502.
   */
  void upstreamError(
      GatewayExchange exchange,
      UsageStream usage,
      Upstream upstream,
      int status,
      byte[] body,
      HttpServletResponse response)
      throws IOException {
    String text = upstream.scrub(new String(body, StandardCharsets.UTF_8));
    usage.fail(new ErrorInfo("upstream.http_" + status, excerpt(text)));
    JsonNode error;
    try {
      error = json.readTree(text);
    } catch (JacksonException e) {
      error = null;
    }
    if (status == 401 || status == 403) {
      // The upstream refused the gateway's own credentials: not the client's key, so never a 401
      // or 403 that an SDK would report as the client's authentication error.
      throw new GatewayException(
          HttpStatus.BAD_GATEWAY,
          "upstream '"
              + upstream.name()
              + "' refused the gateway's credentials (HTTP "
              + status
              + "): "
              + excerpt(text),
          "server_error",
          "upstream_auth_error");
    }
    if (error == null || !error.path("error").isObject()) {
      throw new GatewayException(
          HttpStatus.BAD_GATEWAY,
          "upstream '" + upstream.name() + "' answered HTTP " + status + ": " + excerpt(text),
          "server_error",
          "upstream_error");
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.stamp(response, null);
    response.setStatus(status);
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  UsageStream start(String operation, GatewayExchange exchange, Upstreams.Route route) {
    Caller caller = exchange.caller();
    UsageContext context =
        UsageContext.of(caller.subject())
            .withUserEmail(caller.email())
            .withModel(route.model())
            .withProvider(route.upstream().name())
            .withAttribute(KEY_ATTRIBUTE, exchange.keyId())
            .withAttribute(REQUEST_ATTRIBUTE, exchange.requestId());
    return dispatched(exchange, tracker.startStream(operation, context));
  }

  /** The upstream is called next: a reserved call now settles (rather than releases) at its end. */
  private static UsageStream dispatched(GatewayExchange exchange, UsageStream usage) {
    CallReservations.Call call = exchange.reservation();
    call.dispatched();
    return call.watch(usage);
  }

  Admission admission() {
    return admission;
  }

  /** The priced cost of the tokens, as the ledger will price them, or null when unpriced. */
  @Nullable String cost(String model, TokenUsage tokens) {
    Cost cost = prices.cost(model, clock.instant(), tokens);
    BigDecimal amount = cost.amount();
    return amount == null ? null : amount.stripTrailingZeros().toPlainString();
  }

  /**
   * An OpenAI {@code usage} object as disjoint categories, or null without one; the local echo's
   * counts are its tokenizer's, so {@code ESTIMATED}. A {@code cache_creation_input_tokens} beside
   * them (Anthropic's cache writes) is taken out of the input as cache writes.
   */
  static @Nullable TokenUsage usage(JsonNode usage, Upstream upstream) {
    if (!usage.path("prompt_tokens").isNumber()) {
      return null;
    }
    long prompt = Math.max(0, usage.path("prompt_tokens").asLong());
    long completion = Math.max(0, usage.path("completion_tokens").asLong(0));
    long cached =
        Math.min(
            prompt,
            Math.max(0, usage.path("prompt_tokens_details").path("cached_tokens").asLong(0)));
    long reasoning =
        Math.min(
            completion,
            Math.max(
                0, usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0)));
    UsageSource source =
        upstream instanceof EchoUpstream ? UsageSource.ESTIMATED : UsageSource.REPORTED;
    // Anthropic's cache writes, kept beside OpenAI's counts (by the Anthropic translation, and by
    // proxies such as LiteLLM): part of prompt_tokens, priced as cache writes.
    long cacheWrite =
        Math.min(prompt - cached, Math.max(0, usage.path("cache_creation_input_tokens").asLong(0)));
    if (cacheWrite == 0) {
      return TokenUsage.fromInclusive(prompt, cached, completion, reasoning, source);
    }
    return TokenUsage.builder(source)
        .input(prompt - cached - cacheWrite)
        .cachedInput(cached)
        .cacheWrite(cacheWrite)
        .output(completion - reasoning)
        .reasoning(reasoning)
        .build();
  }

  private ObjectNode parse(byte[] body) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JacksonException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      throw GatewayException.badRequest(
          "We could not parse the JSON body of your request: it must be a JSON object.");
    }
    return (ObjectNode) root;
  }

  private Upstreams.Route route(ObjectNode request) {
    JsonNode model = request.path("model");
    if (!model.isString() || model.asString().isBlank()) {
      throw GatewayException.badRequest("you must provide a model parameter");
    }
    return upstreams
        .route(model.asString())
        .orElseThrow(
            () ->
                new GatewayException(
                    HttpStatus.NOT_FOUND,
                    "The model `"
                        + excerpt(model.asString())
                        + "` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found"));
  }

  static String excerpt(String text) {
    String flat = text.replaceAll("\\s+", " ").trim();
    return flat.length() > MAX_ERROR_EXCERPT ? flat.substring(0, MAX_ERROR_EXCERPT) + "..." : flat;
  }
}
