package dev.tally.spring.metrics;

import dev.tally.core.StreamDetails;
import dev.tally.core.TokenUsage;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Consumer;

/**
 * Usage meters named after the OpenTelemetry GenAI semantic conventions where they apply:
 *
 * <ul>
 *   <li>{@code gen_ai.client.token.usage} — tokens per operation, by {@code gen_ai.token.type}
 *       ({@code input}, {@code output}, and Tally's {@code cached_input}, {@code cache_write},
 *       {@code reasoning}); only usage whose source is known is recorded.
 *   <li>{@code gen_ai.client.operation.duration} — operation duration.
 *   <li>{@code tally.usage.events} — events by operation, outcome and usage source.
 *   <li>{@code tally.usage.unreported} — events whose tokens the provider did not report, by
 *       operation, {@code source} ({@code ESTIMATED} or {@code MISSING}) and {@code streamed}
 *       ({@code true} for a streamed operation): an operator sees when estimates creep in, for
 *       example streams ending without their usage chunk.
 * </ul>
 *
 * <p>Tags carry only bounded values: operation and model names are capped at {@code maxTagValues}
 * distinct values each (then {@code other}); subjects, sessions and paths never become tags — the
 * ledger holds per-user detail. Fed by the pipeline's accept observer, so it runs off the request
 * thread and sees each event once.
 */
public final class TallyUsageMetrics implements Consumer<UsageEvent> {
  private final MeterRegistry registry;
  private final TagLimiter operations;
  private final TagLimiter models;
  private final TagLimiter errors;

  public TallyUsageMetrics(MeterRegistry registry, int maxTagValues) {
    this.registry = registry;
    this.operations = new TagLimiter(maxTagValues);
    this.models = new TagLimiter(maxTagValues);
    this.errors = new TagLimiter(maxTagValues);
  }

  @Override
  public void accept(UsageEvent event) {
    String operation = operations.limit(event.operation());
    String model = models.limit(event.model());
    TokenUsage tokens = event.tokens();
    if (tokens.isKnown()) {
      tokens(operation, model, "input", tokens.input());
      tokens(operation, model, "output", tokens.output());
      if (tokens.cachedInput() > 0) {
        tokens(operation, model, "cached_input", tokens.cachedInput());
      }
      if (tokens.cacheWrite() > 0) {
        tokens(operation, model, "cache_write", tokens.cacheWrite());
      }
      if (tokens.reasoning() > 0) {
        tokens(operation, model, "reasoning", tokens.reasoning());
      }
    }
    String errorType = event.error() == null ? "none" : errors.limit(event.error().type());
    Timer.builder("gen_ai.client.operation.duration")
        .description("Duration of tracked operations")
        .tag("gen_ai.operation.name", operation)
        .tag("gen_ai.request.model", model)
        .tag("error.type", errorType)
        .register(registry)
        .record(event.duration());
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

  private static boolean streamed(UsageEvent event) {
    return event.attributes().containsKey(StreamDetails.COMPLETED_ATTRIBUTE);
  }

  private void tokens(String operation, String model, String type, long count) {
    DistributionSummary.builder("gen_ai.client.token.usage")
        .description("Tokens used per operation")
        .baseUnit("tokens")
        .tag("gen_ai.operation.name", operation)
        .tag("gen_ai.request.model", model)
        .tag("gen_ai.token.type", type)
        .register(registry)
        .record(count);
  }
}
