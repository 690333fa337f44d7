package dev.tally.spring.metrics;

import dev.tally.core.event.Cost;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.pricing.PricingSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Usage meters following the OpenTelemetry GenAI semantic conventions where they apply:
 *
 * <ul>
 *   <li>{@code gen_ai.client.token.usage} — a histogram of tokens per operation with the
 *       conventions' bucket boundaries ({@link #TOKEN_BUCKETS}), tagged {@code
 *       gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model}, {@code
 *       gen_ai.response.model} and {@code gen_ai.token.type}: {@code input}, {@code output}, and
 *       Tally's disjoint {@code cached_input}, {@code cache_write}, {@code reasoning} ({@code
 *       input} excludes cached input and cache writes, {@code output} excludes reasoning, so the
 *       types add up); only usage whose source is known is recorded.
 *   <li>{@code gen_ai.client.operation.duration} — a histogram of operation duration in seconds
 *       with the conventions' boundaries ({@link #DURATION_BUCKETS}), same model and provider tags,
 *       plus {@code error.type} ({@code none}, {@code cancelled} or the error type).
 *   <li>{@code tally.usage.cost} — priced cost, a counter by {@code gen_ai.provider.name}, {@code
 *       gen_ai.response.model} and {@code currency} (priced with the {@link PriceCatalog} the
 *       ledger uses, or the cost the event carries).
 *   <li>{@code tally.usage.events} — events by operation, outcome and usage source.
 *   <li>{@code tally.usage.unreported} — events whose tokens the provider did not report, by
 *       operation, {@code source} ({@code ESTIMATED} or {@code MISSING}) and {@code streamed}.
 * </ul>
 *
 * <p>HTTP request events (those the HTTP filter records, which carry {@code http.route}) are not
 * GenAI operations: they appear in {@code tally.usage.events} only, never under {@code gen_ai.*}
 * (Spring already times requests as {@code http.server.requests}).
 *
 * <p>Tags carry only bounded values: operation, provider and model names are capped at {@code
 * maxTagValues} distinct values each (then {@code other}); subjects, sessions and paths never
 * become tags — the ledger holds per-user detail. Fed by the pipeline's accept observer, so it runs
 * off the request thread and sees each event once.
 */
public final class TallyUsageMetrics implements Consumer<UsageEvent> {
  /** {@code gen_ai.client.token.usage} bucket boundaries named by the GenAI conventions. */
  public static final double[] TOKEN_BUCKETS = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
  };

  /**
   * {@code gen_ai.client.operation.duration} bucket boundaries (seconds) named by the conventions.
   */
  public static final double[] DURATION_BUCKETS = {
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
  };

  /** The event attribute naming the model the caller asked for, when it is known apart. */
  public static final String REQUEST_MODEL_ATTRIBUTE = "gen_ai.request.model";

  private static final String HTTP_ROUTE_ATTRIBUTE = "http.route";
  private static final Duration[] DURATION_SLOS = durations();

  private final MeterRegistry registry;
  private final @Nullable PriceCatalog prices;
  private final TagLimiter operations;
  private final TagLimiter models;
  private final TagLimiter providers;
  private final TagLimiter errors;

  public TallyUsageMetrics(MeterRegistry registry, int maxTagValues) {
    this(registry, maxTagValues, null);
  }

  /**
   * @param prices prices events for {@code tally.usage.cost} (the catalog the pipeline prices the
   *     ledger with); null counts only costs events already carry
   */
  public TallyUsageMetrics(
      MeterRegistry registry, int maxTagValues, @Nullable PriceCatalog prices) {
    this.registry = registry;
    this.prices = prices;
    this.operations = new TagLimiter(maxTagValues);
    this.models = new TagLimiter(maxTagValues);
    this.providers = new TagLimiter(maxTagValues);
    this.errors = new TagLimiter(maxTagValues);
  }

  @Override
  public void accept(UsageEvent event) {
    String operation = operations.limit(event.operation());
    TokenUsage tokens = event.tokens();
    if (!event.attributes().containsKey(HTTP_ROUTE_ATTRIBUTE)) {
      genAi(event, operation, tokens);
    }
    Counter.builder("tally.usage.events")
        .description("Tracked usage events")
        .tag("operation", operation)
        .tag("outcome", event.outcome().name())
        .tag("source", tokens.source().name())
        .register(registry)
        .increment();
    if (tokens.source() != UsageSource.REPORTED) {
      Counter.builder("tally.usage.unreported")
          .description("Events whose token usage was estimated or missing")
          .tag("operation", operation)
          .tag("source", tokens.source().name())
          .tag("streamed", Boolean.toString(streamed(event)))
          .register(registry)
          .increment();
    }
  }

  private void genAi(UsageEvent event, String operation, TokenUsage tokens) {
    String responseModel = models.limit(event.model());
    String requested = event.attributes().get(REQUEST_MODEL_ATTRIBUTE);
    String requestModel = requested == null ? responseModel : models.limit(requested);
    String provider = providers.limit(event.provider());
    Tags tags = new Tags(operation, provider, requestModel, responseModel);
    if (tokens.isKnown()) {
      tokens(tags, "input", tokens.input());
      tokens(tags, "output", tokens.output());
      if (tokens.cachedInput() > 0) {
        tokens(tags, "cached_input", tokens.cachedInput());
      }
      if (tokens.cacheWrite() > 0) {
        tokens(tags, "cache_write", tokens.cacheWrite());
      }
      if (tokens.reasoning() > 0) {
        tokens(tags, "reasoning", tokens.reasoning());
      }
    }
    String errorType =
        event.error() != null
            ? errors.limit(event.error().type())
            : event.outcome() == Outcome.CANCELLED ? "cancelled" : "none";
    Timer.builder("gen_ai.client.operation.duration")
        .description("GenAI operation duration")
        .serviceLevelObjectives(DURATION_SLOS)
        .tag("gen_ai.operation.name", tags.operation)
        .tag("gen_ai.provider.name", tags.provider)
        .tag("gen_ai.request.model", tags.requestModel)
        .tag("gen_ai.response.model", tags.responseModel)
        .tag("error.type", errorType)
        .register(registry)
        .record(event.duration());
    cost(event, tags);
  }

  private void cost(UsageEvent event, Tags tags) {
    UsageEvent priced = event;
    if (prices != null && !event.cost().isPriced()) {
      priced = PricingSink.price(event, prices);
    }
    Cost cost = priced.cost();
    BigDecimal amount = cost.amount();
    String currency = cost.currency();
    if (amount == null || currency == null || amount.signum() <= 0) {
      return;
    }
    double value = amount.doubleValue();
    Counter.builder("tally.usage.cost")
        .description("Priced cost of tracked operations, in the currency named by the tag")
        .tag("gen_ai.provider.name", tags.provider)
        .tag("gen_ai.response.model", tags.responseModel)
        .tag("currency", currency)
        .register(registry)
        .increment(value);
  }

  private static boolean streamed(UsageEvent event) {
    return event.attributes().containsKey(StreamDetails.COMPLETED_ATTRIBUTE);
  }

  private void tokens(Tags tags, String type, long count) {
    DistributionSummary.builder("gen_ai.client.token.usage")
        .description("Tokens used per GenAI operation, by token type")
        .baseUnit("tokens")
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .tag("gen_ai.operation.name", tags.operation)
        .tag("gen_ai.provider.name", tags.provider)
        .tag("gen_ai.request.model", tags.requestModel)
        .tag("gen_ai.response.model", tags.responseModel)
        .tag("gen_ai.token.type", type)
        .register(registry)
        .record(count);
  }

  private static Duration[] durations() {
    Duration[] slos = new Duration[DURATION_BUCKETS.length];
    for (int i = 0; i < slos.length; i++) {
      slos[i] = Duration.ofNanos(Math.round(DURATION_BUCKETS[i] * 1_000_000_000L));
    }
    return slos;
  }

  private record Tags(
      String operation, String provider, String requestModel, String responseModel) {}
}
