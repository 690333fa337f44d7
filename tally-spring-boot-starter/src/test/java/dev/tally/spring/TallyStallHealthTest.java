package dev.tally.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.spring.actuate.TallyEndpoint;
import dev.tally.spring.actuate.TallyHealthIndicator;
import dev.tally.spring.autoconfigure.TallyActuatorAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyMetricsAutoConfiguration;
import dev.tally.test.InMemoryUsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A store that stalls shows in health, the actuator endpoint and the meters. */
class TallyStallHealthTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void anExportPastTheTimeoutTurnsHealthDownAndIsCountedUntilTheStoreAnswersAgain() {
    StallingSink sink = new StallingSink();
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                TallyAutoConfiguration.class,
                TallyMetricsAutoConfiguration.class,
                TallyActuatorAutoConfiguration.class,
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .withBean(UsageSink.class, () -> sink)
        .withPropertyValues(
            "tally.pipeline.spool-directory=" + dir.resolve("spool"),
            "tally.pipeline.flush-interval=5ms",
            "tally.pipeline.export-timeout=200ms",
            "tally.pipeline.initial-backoff=5ms",
            "tally.pipeline.max-backoff=50ms")
        .run(
            context -> {
              TallyHealthIndicator health = context.getBean(TallyHealthIndicator.class);
              MeterRegistry meters = context.getBean(MeterRegistry.class);
              UsageTracker tracker = context.getBean(UsageTracker.class);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);

              sink.stall();
              tracker.track(tracker.event("chat").id("stalled").build());
              await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.DOWN));
              Health down = health.health();
              assertThat(down.getDetails()).containsEntry("exportTimeouts", 1L);
              assertThat(meters.get("tally.pipeline.export.timeouts").functionCounter().count())
                  .isEqualTo(1.0);
              @SuppressWarnings("unchecked")
              Map<String, Object> pipeline =
                  (Map<String, Object>)
                      context.getBean(TallyEndpoint.class).tally().get("pipeline");
              assertThat(pipeline).containsEntry("exportTimeouts", 1L);

              sink.resume();
              await().atMost(WAIT).until(() -> health.health().getStatus().equals(Status.UP));
              assertThat(sink.delegate.ids()).containsExactly("stalled");
            });
  }

  /** Exports on the calling thread, as the JDBC store does, and blocks there while stalled. */
  private static final class StallingSink implements UsageSink {
    final InMemoryUsageSink delegate = new InMemoryUsageSink();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    void stall() {
      gate = new CountDownLatch(1);
    }

    void resume() {
      gate.countDown();
    }

    @Override
    public CompletableFuture<Void> export(List<UsageEvent> batch) {
      try {
        if (!gate.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          return CompletableFuture.failedFuture(new IllegalStateException("never resumed"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return CompletableFuture.failedFuture(e);
      }
      return delegate.export(batch);
    }

    @Override
    public CompletableFuture<Void> shutdown() {
      resume();
      return CompletableFuture.completedFuture(null);
    }
  }
}
