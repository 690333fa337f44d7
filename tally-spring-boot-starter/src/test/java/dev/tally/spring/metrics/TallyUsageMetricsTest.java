package dev.tally.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pricing.ModelPrice;
import dev.tally.core.pricing.PriceCatalog;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TallyUsageMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TallyUsageMetrics metrics = new TallyUsageMetrics(registry, 10);

  @Test
  void estimatedAndMissingUsageIsCountedByBoundedTags() {
    List<UsageEvent> events = new ArrayList<>();
    UsageTracker tracker = UsageTracker.builder(events::add).build();
    tracker.startStream("chat", UsageContext.of("alice")).prompt("hello").cancel();
    tracker
        .startStream("chat", UsageContext.of("bob"))
        .delivered("x")
        .usage(TokenUsage.reported(3, 1))
        .complete();
    tracker.startStream("chat", UsageContext.of("carol")).cancel();
    events.add(UsageEvent.builder("embed").subject("dave").build());

    events.forEach(metrics);

    assertThat(count("chat", "ESTIMATED", "true")).isEqualTo(1);
    assertThat(count("chat", "MISSING", "true")).isEqualTo(1);
    assertThat(count("embed", "MISSING", "false")).isEqualTo(1);
    assertThat(registry.find("tally.usage.unreported").tag("source", "REPORTED").counter())
        .isNull();
    assertThat(registry.find("tally.usage.unreported").counters())
        .allSatisfy(
            c ->
                assertThat(c.getId().getTags())
                    .extracting("key")
                    .containsExactlyInAnyOrder("operation", "source", "streamed"));
  }

  private double count(String operation, String source, String streamed) {
    return registry
        .get("tally.usage.unreported")
        .tag("operation", operation)
        .tag("source", source)
        .tag("streamed", streamed)
        .counter()
        .count();
  }

  @Test
  void tokenUsageIsAHistogramWithTheGenAiBucketsAndEveryTokenType() {
    metrics.accept(
        UsageEvent.builder("chat")
            .subject("alice")
            .model("gpt-4o-mini-2024-07-18")
            .provider("openai")
            .attribute(TallyUsageMetrics.REQUEST_MODEL_ATTRIBUTE, "gpt-4o-mini")
            .tokens(new TokenUsage(100, 20, 5, 30, 7, UsageSource.REPORTED))
            .build());

    for (String type : List.of("input", "cached_input", "cache_write", "output", "reasoning")) {
      DistributionSummary summary =
          registry
              .get("gen_ai.client.token.usage")
              .tag("gen_ai.token.type", type)
              .tag("gen_ai.provider.name", "openai")
              .tag("gen_ai.request.model", "gpt-4o-mini")
              .tag("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
              .tag("gen_ai.operation.name", "chat")
              .summary();
      assertThat(
              Arrays.stream(summary.takeSnapshot().histogramCounts())
                  .mapToDouble(CountAtBucket::bucket)
                  .toArray())
          .containsExactly(TallyUsageMetrics.TOKEN_BUCKETS);
    }
    assertThat(
            registry
                .get("gen_ai.client.token.usage")
                .tag("gen_ai.token.type", "reasoning")
                .summary()
                .totalAmount())
        .isEqualTo(7);
    Timer duration = registry.get("gen_ai.client.operation.duration").timer();
    assertThat(
            Arrays.stream(duration.takeSnapshot().histogramCounts())
                .mapToDouble(b -> b.bucket(java.util.concurrent.TimeUnit.SECONDS))
                .toArray())
        .containsExactly(TallyUsageMetrics.DURATION_BUCKETS);
    assertThat(duration.getId().getTag("error.type")).isEqualTo("none");
    assertThat(registry.getMeters())
        .allSatisfy(
            m -> assertThat(m.getId().getTags()).noneMatch(t -> t.getValue().equals("alice")));
  }

  @Test
  void httpRequestEventsStayOutOfGenAiMeters() {
    metrics.accept(
        UsageEvent.builder("http")
            .attribute("http.route", "/api/chat")
            .attribute("http.method", "POST")
            .duration(Duration.ofMillis(5))
            .build());

    assertThat(registry.find("gen_ai.client.operation.duration").timers()).isEmpty();
    assertThat(registry.find("gen_ai.client.token.usage").summaries()).isEmpty();
    assertThat(registry.get("tally.usage.events").tag("operation", "http").counter().count())
        .isEqualTo(1);
  }

  @Test
  void costIsCountedPerModelAndCurrencyWithTheCatalog() {
    PriceCatalog catalog =
        PriceCatalog.of(
            "2026-01",
            List.of(
                ModelPrice.of(
                    "gpt-4o-mini*",
                    Instant.parse("2020-01-01T00:00:00Z"),
                    "USD",
                    new BigDecimal("1.00"),
                    null,
                    null,
                    new BigDecimal("2.00"),
                    null)));
    TallyUsageMetrics priced = new TallyUsageMetrics(registry, 10, catalog);
    for (int i = 0; i < 2; i++) {
      priced.accept(
          UsageEvent.builder("chat")
              .subject("user-" + i)
              .model("gpt-4o-mini-2024-07-18")
              .provider("openai")
              .tokens(TokenUsage.reported(1_000_000, 500_000))
              .build());
    }
    priced.accept(
        UsageEvent.builder("chat")
            .model("unknown-model")
            .tokens(TokenUsage.reported(10, 10))
            .failure(new ErrorInfo("provider.http_500", null))
            .build());

    assertThat(
            registry
                .get("tally.usage.cost")
                .tag("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
                .tag("currency", "USD")
                .tag("gen_ai.provider.name", "openai")
                .counter()
                .count())
        .isEqualTo(4.0);
    assertThat(
            registry
                .find("tally.usage.cost")
                .tag("gen_ai.response.model", "unknown-model")
                .counter())
        .isNull();
    assertThat(registry.get("tally.usage.cost").counter().getId().getTags())
        .extracting("key")
        .containsExactlyInAnyOrder("gen_ai.provider.name", "gen_ai.response.model", "currency");
    assertThat(
            registry
                .get("gen_ai.client.operation.duration")
                .tag("error.type", "provider.http_500")
                .timer()
                .count())
        .isEqualTo(1);
  }
}
