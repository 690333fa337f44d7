package dev.tally.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.CaptureMode;
import dev.tally.core.ContentCapture;
import dev.tally.core.UsageEventBus;
import dev.tally.core.UsageReportable;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.spring.actuate.TallyEndpoint;
import dev.tally.spring.actuate.TallyHealthIndicator;
import dev.tally.spring.aop.TrackUsageInterceptor;
import dev.tally.spring.autoconfigure.TallyActuatorAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyAspectAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyMetricsAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyTraceIdProvider;
import dev.tally.spring.autoconfigure.TallyTracingAutoConfiguration;
import dev.tally.spring.event.UsageReportableListener;
import dev.tally.spring.metrics.TallyPipelineMetrics;
import dev.tally.test.FailingUsageSink;
import dev.tally.test.InMemoryUsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class TallyAutoConfigurationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                TallyAutoConfiguration.class,
                TallyAspectAutoConfiguration.class,
                TallyMetricsAutoConfiguration.class,
                TallyActuatorAutoConfiguration.class,
                TallyTracingAutoConfiguration.class,
                dev.tally.spring.autoconfigure.TallyBudgetAutoConfiguration.class))
        .withPropertyValues(
            "tally.store.url=jdbc:sqlite:" + dir.resolve("tally.db"),
            "tally.pipeline.spool-directory=" + dir.resolve("spool"),
            "tally.pipeline.flush-interval=10ms");
  }

  @Configuration(proxyBeanMethods = false)
  static class InMemorySinkConfig {
    @Bean
    InMemoryUsageSink sink() {
      return new InMemoryUsageSink();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class MetricsConfig {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @Test
  void defaultsProvideATrackerOnAPipelineIntoAnSqliteStore() {
    runner()
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(UsageTracker.class);
              assertThat(context).hasSingleBean(UsagePipeline.class);
              assertThat(context).hasSingleBean(JdbcUsageStore.class);
              assertThat(context).hasSingleBean(UsageEventBus.class);
              assertThat(context).hasSingleBean(UsageReportableListener.class);
              assertThat(context).hasSingleBean(TrackUsageInterceptor.class);
              assertThat(context).hasSingleBean(TallyEndpoint.class);
              assertThat(context).hasSingleBean(TallyHealthIndicator.class);
              assertThat(context.getBean(UsageTracker.class).isEnabled()).isTrue();
              assertThat(context.getBean(ContentCapture.class).mode())
                  .isEqualTo(CaptureMode.LENGTHS);
              assertThat(context.getBean(UsagePipeline.class).sink())
                  .isInstanceOf(dev.tally.core.budget.BudgetEvaluatingSink.class);
            });
  }

  @Test
  void trackedEventsReachTheSqliteFile() {
    runner()
        .run(
            context -> {
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(
                  tracker.event("chat").subject("alice").tokens(TokenUsage.reported(3, 4)).build());
              context.getBean(UsagePipeline.class).flush().get();
              JdbcUsageStore store = context.getBean(JdbcUsageStore.class);
              assertThat(
                      store
                          .events(
                              dev.tally.core.query.EventQuery.builder(
                                      JdbcUsageStore.EARLIEST, JdbcUsageStore.LATEST)
                                  .build())
                          .events())
                  .singleElement()
                  .satisfies(e -> assertThat(e.subject()).isEqualTo("alice"));
            });
  }

  @Test
  void aTokenEstimatorBeanEstimatesStreamsThatEndWithoutProviderUsage() {
    dev.tally.core.TokenEstimator fixed =
        new dev.tally.core.TokenEstimator() {
          @Override
          public long count(CharSequence text, @org.jspecify.annotations.Nullable String model) {
            return 42;
          }

          @Override
          public String name(@org.jspecify.annotations.Nullable String model) {
            return "fixed";
          }
        };
    runner()
        .withUserConfiguration(InMemorySinkConfig.class)
        .withBean(dev.tally.core.TokenEstimator.class, () -> fixed)
        .run(
            context -> {
              context
                  .getBean(UsageTracker.class)
                  .startStream("chat", dev.tally.core.event.UsageContext.of("alice"))
                  .delivered("partial answer")
                  .cancel();
              context.getBean(UsagePipeline.class).flush().get();
              assertThat(context.getBean(InMemoryUsageSink.class).events())
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.tokens().output()).isEqualTo(42);
                        assertThat(e.attributes())
                            .containsEntry(
                                dev.tally.core.event.StreamDetails.ESTIMATOR_ATTRIBUTE, "fixed");
                      });
            });
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnSinkOrTracker() {
    runner()
        .withUserConfiguration(InMemorySinkConfig.class)
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(JdbcUsageStore.class);
              // The in-memory sink answers UsageQueries, so budgets wrap it; it is still the store.
              dev.tally.core.sink.UsageSink sink = context.getBean(UsagePipeline.class).sink();
              while (sink instanceof dev.tally.core.sink.ForwardingUsageSink forwarding) {
                sink = forwarding.delegate();
              }
              assertThat(sink).isSameAs(context.getBean(InMemoryUsageSink.class));
            });
    UsageTracker own = UsageTracker.noop();
    runner()
        .withBean("myTracker", UsageTracker.class, () -> own)
        .run(context -> assertThat(context.getBean(UsageTracker.class)).isSameAs(own));
  }

  @Test
  void storeCanLiveInTheApplicationsOwnDataSource() {
    runner()
        .withConfiguration(
            AutoConfigurations.of(
                org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class))
        .withPropertyValues(
            "spring.datasource.url=jdbc:sqlite:" + dir.resolve("app.db"),
            "tally.store.use-application-data-source=true")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              JdbcUsageStore store = context.getBean(JdbcUsageStore.class);
              assertThat(store.dialect()).isEqualTo(dev.tally.jdbc.Dialect.SQLITE);
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(tracker.event("chat").build());
              context.getBean(UsagePipeline.class).flush().get();
              assertThat(
                      store
                          .events(
                              dev.tally.core.query.EventQuery.builder(
                                      JdbcUsageStore.EARLIEST, JdbcUsageStore.LATEST)
                                  .build())
                          .events())
                  .hasSize(1);
            });
  }

  @Test
  void applicationDataSourceRequestedButMissingFailsWithAClearMessage() {
    runner()
        .withPropertyValues("tally.store.use-application-data-source=true")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining(
                        "tally.store.use-application-data-source=true but the application has no DataSource"));
  }

  @Test
  void severalWritersOnSqliteFailTheStartupNamingTheValue() {
    runner()
        .withPropertyValues("tally.store.writers=3")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("writers must be 1 for SQLite")
                    .hasMessageContaining("was 3"));
  }

  @Test
  void budgetsAreEvaluatedAfterEachStoredBatchAndTheGuardRefusesOverBudget() {
    runner()
        .run(
            context -> {
              dev.tally.core.budget.BudgetRepository budgets =
                  context.getBean(dev.tally.core.budget.BudgetRepository.class);
              budgets.put(
                  new dev.tally.core.budget.Budget(
                      "alice-daily",
                      "alice",
                      dev.tally.core.budget.Budget.Measure.TOKENS,
                      new java.math.BigDecimal("100"),
                      null,
                      dev.tally.core.budget.BudgetWindow.day(java.time.ZoneId.of("Europe/Berlin")),
                      java.util.List.of(50, 100),
                      dev.tally.core.budget.Budget.Action.BLOCK,
                      null));
              dev.tally.core.budget.BudgetGuard guard =
                  context.getBean(dev.tally.core.budget.BudgetGuard.class);
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(
                  tracker
                      .event("chat")
                      .subject("alice")
                      .tokens(TokenUsage.reported(40, 20))
                      .build());
              context.getBean(UsagePipeline.class).flush().get();
              dev.tally.core.budget.AlertOutbox outbox =
                  context.getBean(dev.tally.core.budget.AlertOutbox.class);
              assertThat(outbox).isInstanceOf(dev.tally.jdbc.JdbcAlertOutbox.class);
              assertThat(budgets).isInstanceOf(dev.tally.jdbc.JdbcBudgetStore.class);
              await().atMost(WAIT).until(() -> outbox.recent(10).size() == 1);
              assertThat(guard.check("alice")).isEmpty();

              tracker.track(
                  tracker
                      .event("chat")
                      .subject("alice")
                      .tokens(TokenUsage.reported(30, 20))
                      .build());
              context.getBean(UsagePipeline.class).flush().get();

              await().atMost(WAIT).until(() -> outbox.recent(10).size() == 2);
              assertThat(outbox.recent(10))
                  .extracting(e -> e.alert().threshold())
                  .containsExactlyInAnyOrder(50, 100);
              assertThat(guard.check("alice")).isPresent();
              assertThat(guard.check("bob")).isEmpty();
            });
  }

  @Test
  void budgetsLiveInMemoryWhenTheSinkIsNotTheJdbcStoreButQueriesExist() {
    runner()
        .withBean(
            "otherQueries",
            dev.tally.core.query.UsageQueries.class,
            () ->
                new dev.tally.core.query.UsageQueries() {
                  @Override
                  public dev.tally.core.query.UsageReport report(
                      dev.tally.core.query.UsageQuery query) {
                    throw new UnsupportedOperationException("not used");
                  }

                  @Override
                  public dev.tally.core.query.EventPage events(
                      dev.tally.core.query.EventQuery query) {
                    throw new UnsupportedOperationException("not used");
                  }
                })
        .withPropertyValues("tally.store.url=jdbc:sqlite:" + dir.resolve("other.db"))
        // A sink that answers no queries itself (InMemoryUsageSink would: it is UsageQueries too).
        .withBean(
            "plainSink",
            dev.tally.core.sink.UsageSink.class,
            () -> batch -> java.util.concurrent.CompletableFuture.completedFuture(null))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(dev.tally.core.budget.AlertOutbox.class))
                  .isInstanceOf(dev.tally.core.budget.InMemoryAlertOutbox.class);
            });
  }

  @Test
  void budgetsCanBeSwitchedOff() {
    runner()
        .withPropertyValues("tally.budgets.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(dev.tally.core.budget.BudgetEvaluator.class);
              assertThat(context.getBean(UsagePipeline.class).sink())
                  .isSameAs(context.getBean(JdbcUsageStore.class));
            });
  }

  @Test
  void disabledLeavesOnlyANoopTracker() {
    runner()
        .withPropertyValues("tally.enabled=false")
        .withUserConfiguration(MetricsConfig.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(UsageTracker.class).isEnabled()).isFalse();
              assertThat(context).doesNotHaveBean(UsagePipeline.class);
              assertThat(context).doesNotHaveBean(JdbcUsageStore.class);
              assertThat(context).doesNotHaveBean(TrackUsageInterceptor.class);
              assertThat(context).doesNotHaveBean(TallyPipelineMetrics.class);
              assertThat(context).doesNotHaveBean(TallyHealthIndicator.class);
            });
  }

  @Test
  void startsWithoutOptionalLibraries() {
    runner()
        .withClassLoader(
            new FilteredClassLoader(
                MeterRegistry.class,
                MethodInterceptor.class,
                Endpoint.class,
                HealthIndicator.class,
                io.micrometer.tracing.Tracer.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(UsageTracker.class);
              assertThat(context).doesNotHaveBean(TrackUsageInterceptor.class);
              assertThat(context).doesNotHaveBean(TallyPipelineMetrics.class);
              assertThat(context).doesNotHaveBean(TallyEndpoint.class);
              assertThat(context).doesNotHaveBean(TallyHealthIndicator.class);
              assertThat(context).doesNotHaveBean(TallyTraceIdProvider.class);
            });
  }

  @Test
  void metricsRecordPipelineCountersAndGenAiTokenUsageWithBoundedTags() {
    runner()
        .withConfiguration(
            AutoConfigurations.of(
                org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration
                    .class,
                org.springframework.boot.micrometer.metrics.autoconfigure
                    .CompositeMeterRegistryAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.export.simple
                    .SimpleMetricsExportAutoConfiguration.class))
        .withUserConfiguration(InMemorySinkConfig.class)
        .run(
            context -> {
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(
                  tracker
                      .event("chat")
                      .subject("alice")
                      .model("echo")
                      .tokens(TokenUsage.reported(12, 30))
                      .build());
              context.getBean(UsagePipeline.class).flush().get();
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              await()
                  .atMost(WAIT)
                  .untilAsserted(
                      () ->
                          assertThat(
                                  registry
                                      .get("gen_ai.client.token.usage")
                                      .tag("gen_ai.token.type", "output")
                                      .tag("gen_ai.request.model", "echo")
                                      .summary()
                                      .totalAmount())
                              .isEqualTo(30));
              assertThat(
                      registry
                          .get("tally.pipeline.events")
                          .tag("state", "delivered")
                          .functionCounter()
                          .count())
                  .isEqualTo(1);
              assertThat(
                      registry
                          .get("tally.pipeline.export")
                          .tag("outcome", "success")
                          .timer()
                          .count())
                  .isPositive();
              assertThat(registry.getMeters())
                  .allSatisfy(
                      m ->
                          assertThat(m.getId().getTags())
                              .noneMatch(t -> t.getValue().equals("alice")));
            });
  }

  @Test
  void healthIsDownWhileTheSinkFailsAndOutOfServicePastTheSpoolLimit() {
    FailingUsageSink failing = new FailingUsageSink().down();
    runner()
        .withBean(UsageSink.class, () -> failing)
        .withPropertyValues("tally.pipeline.max-retries=0", "tally.health.max-spool-bytes=100000")
        .run(
            context -> {
              HealthIndicator health = context.getBean(TallyHealthIndicator.class);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(tracker.event("chat").build());
              await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.DOWN));
              for (int i = 0; i < 2_000; i++) {
                tracker.track(tracker.event("chat").attribute("pad", "x".repeat(100)).build());
              }
              await()
                  .atMost(WAIT)
                  .until(() -> health.health().getStatus().equals(Status.OUT_OF_SERVICE));
              failing.up();
              await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.UP));
            });
  }

  @Test
  void fullCaptureKeepsRedactedTextWhenConfigured() {
    runner()
        .withUserConfiguration(InMemorySinkConfig.class)
        .withPropertyValues("tally.capture.mode=FULL", "tally.capture.redact[0]=\\d{4}")
        .run(
            context -> {
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(
                  tracker.event("chat").content(ContentSummary.of("pin 1234", "ok")).build());
              context.getBean(UsagePipeline.class).flush().get();
              UsageEvent stored = context.getBean(InMemoryUsageSink.class).events().get(0);
              assertThat(stored.content().inputText()).isEqualTo("pin [REDACTED]");
            });
  }

  record SummaryCreated(String user, long tokens, boolean broken) implements UsageReportable {
    @Override
    public String usageOperation() {
      return "summary";
    }

    @Override
    public void describeUsage(UsageEvent.Builder usage) {
      if (broken) {
        throw new IllegalStateException("describe failed (injected)");
      }
      usage.subject(user).tokens(TokenUsage.reported(tokens, 1));
    }
  }

  @Test
  void publishedUsageReportableEventsAreTrackedAndTheirFailuresIsolated() {
    runner()
        .withUserConfiguration(InMemorySinkConfig.class)
        .run(
            context -> {
              context.publishEvent(new SummaryCreated("bob", 9, true));
              context.publishEvent(new SummaryCreated("bob", 9, false));
              context.getBean(UsageEventBus.class).publish(new SummaryCreated("carol", 5, false));
              InMemoryUsageSink sink = context.getBean(InMemoryUsageSink.class);
              await().atMost(WAIT).until(() -> sink.size() == 2);
              assertThat(sink.events())
                  .extracting(UsageEvent::subject)
                  .containsExactlyInAnyOrder("bob", "carol");
              assertThat(context.getBean(UsageReportableListener.class).failures()).isEqualTo(1);
            });
  }

  @Test
  void traceIdComesFromTheTraceIdProvider() {
    runner()
        .withUserConfiguration(InMemorySinkConfig.class)
        .withBean(TallyTraceIdProvider.class, () -> () -> "4bf92f3577b34da6a3ce929d0e0e4736")
        .run(
            context -> {
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.start("chat").success();
              context.getBean(UsagePipeline.class).flush().get();
              assertThat(context.getBean(InMemoryUsageSink.class).events().get(0).traceId())
                  .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            });
  }

  @Test
  void actuatorEndpointReportsPipelineAndStore() {
    runner()
        .run(
            context -> {
              Map<String, Object> info = context.getBean(TallyEndpoint.class).tally();
              assertThat(info).containsEntry("enabled", true);
              @SuppressWarnings("unchecked")
              Map<String, Object> store = (Map<String, Object>) info.get("store");
              @SuppressWarnings("unchecked")
              Map<String, Object> pipeline = (Map<String, Object>) info.get("pipeline");
              assertThat(store).containsEntry("dialect", "SQLITE");
              assertThat(pipeline).containsKeys("accepted", "spoolBytes");
            });
  }
}
