package dev.tally.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.UsageTracker;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import dev.tally.spring.actuate.TallyHealthIndicator;
import dev.tally.spring.autoconfigure.TallyActuatorAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyMetricsAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyProperties;
import dev.tally.test.InMemoryUsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code tally.pipeline.durability} and the journal's settings reach the pipeline and show. */
class TallyJournalConfigurationTest {
  @TempDir Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                TallyAutoConfiguration.class,
                TallyMetricsAutoConfiguration.class,
                TallyActuatorAutoConfiguration.class,
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .withBean(UsageSink.class, InMemoryUsageSink::new);
  }

  @Test
  void processDurabilityJournalsEveryEventAndShowsTheJournalInHealthAndMeters() {
    runner()
        .withPropertyValues(
            "tally.pipeline.spool-directory=" + dir,
            "tally.pipeline.durability=process",
            "tally.pipeline.journal-max-size=64MB",
            "tally.pipeline.journal-cap-policy=refuse",
            "tally.pipeline.flush-interval=5ms")
        .run(
            context -> {
              UsagePipeline pipeline = context.getBean(UsagePipeline.class);
              UsageTracker tracker = context.getBean(UsageTracker.class);
              tracker.track(tracker.event("chat").id("journaled").build());
              InMemoryUsageSink sink = (InMemoryUsageSink) context.getBean(UsageSink.class);
              await().atMost(Duration.ofSeconds(30)).until(() -> sink.ids().contains("journaled"));

              PipelineStats stats = pipeline.stats();
              assertThat(stats.durability()).isEqualTo(Durability.PROCESS);
              assertThat(stats.journal().appended()).isEqualTo(1);
              assertThat(stats.journal().maxBytes()).isEqualTo(64L * 1024 * 1024);
              assertThat(stats.journal().capPolicy()).isEqualTo(JournalCapPolicy.REFUSE);
              assertThat(dir.resolve("journal").resolve("checkpoint")).exists();

              Health health = context.getBean(TallyHealthIndicator.class).health();
              assertThat(health.getDetails()).containsEntry("durability", "PROCESS");
              @SuppressWarnings("unchecked")
              Map<String, Object> journal =
                  (Map<String, Object>) health.getDetails().get("journal");
              assertThat(journal)
                  .containsEntry("capPolicy", "REFUSE")
                  .containsEntry("maxBytes", 64L * 1024 * 1024)
                  .containsEntry("atCap", false);
              MeterRegistry meters = context.getBean(MeterRegistry.class);
              assertThat(meters.get("tally.pipeline.journal.max.bytes").gauge().value())
                  .isEqualTo(64.0 * 1024 * 1024);
              await()
                  .atMost(Duration.ofSeconds(30))
                  .until(() -> meters.get("tally.pipeline.journal.backlog").gauge().value() == 0.0);
            });
  }

  @Test
  void defaultsComeFromThePipelinesConstants() {
    TallyProperties.Pipeline p = new TallyProperties().getPipeline();
    assertThat(p.getDurability()).isEqualTo(UsagePipeline.DEFAULT_DURABILITY);
    assertThat(p.getBatchSize()).isEqualTo(UsagePipeline.DEFAULT_BATCH_SIZE);
    assertThat(p.getSpoolDirectory()).isEqualTo(UsagePipeline.DEFAULT_DIRECTORY);
    assertThat(p.getFsyncInterval()).isEqualTo(UsagePipeline.Builder.DEFAULT_FSYNC_INTERVAL);
    assertThat(p.getJournalMaxSize().toBytes())
        .isEqualTo(UsagePipeline.Builder.DEFAULT_JOURNAL_MAX_BYTES);
  }
}
