package dev.tally.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.kafka.KafkaUsageIngester;
import dev.tally.spring.autoconfigure.TallyActuatorAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyBudgetAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyKafkaAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyPipelineTarget;
import dev.tally.spring.kafka.TallyKafkaHealthIndicator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Roles: which of producer and ingester exist. No broker is needed: nothing connects eagerly. */
class TallyKafkaAutoConfigurationTest {
  @TempDir Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                TallyAutoConfiguration.class,
                TallyBudgetAutoConfiguration.class,
                TallyActuatorAutoConfiguration.class,
                TallyKafkaAutoConfiguration.class))
        .withPropertyValues(
            "tally.store.url=jdbc:sqlite:" + dir.resolve("tally.db"),
            "tally.pipeline.spool-directory=" + dir.resolve("spool"));
  }

  @Test
  void withoutBootstrapServersThePipelineWritesToTheStore() {
    runner()
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(TallyPipelineTarget.class);
              assertThat(context).doesNotHaveBean(KafkaUsageIngester.class);
              assertThat(context.getBean(UsagePipeline.class).sink().name())
                  .doesNotContain("kafka");
            });
  }

  @Test
  void theApiRoleDeliversToTheTopicAndKeepsTheStoreForQueries() {
    runner()
        .withPropertyValues(
            "tally.kafka.bootstrap-servers=127.0.0.1:1",
            "tally.kafka.role=api",
            "tally.kafka.topic=usage-a")
        .run(
            context -> {
              assertThat(context).hasSingleBean(TallyPipelineTarget.class);
              assertThat(context).doesNotHaveBean(KafkaUsageIngester.class);
              assertThat(context).hasSingleBean(JdbcUsageStore.class);
              assertThat(context.getBean(UsagePipeline.class).sink().name())
                  .contains("kafka:usage-a");
            });
  }

  @Test
  void theIngesterRoleReadsIntoTheStoreAndReportsHealth() {
    runner()
        .withPropertyValues(
            "tally.kafka.bootstrap-servers=127.0.0.1:1",
            "tally.kafka.role=ingester",
            "tally.kafka.group-id=ledger",
            "tally.kafka.properties[security.protocol]=PLAINTEXT")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(TallyPipelineTarget.class);
              assertThat(context).hasSingleBean(KafkaUsageIngester.class);
              assertThat(context.getBean(KafkaUsageIngester.class).deadLetterTopic())
                  .isEqualTo("tally.usage.dlt");
              assertThat(context).hasSingleBean(TallyKafkaHealthIndicator.class);
              assertThat(context.getBean(UsagePipeline.class).sink().name())
                  .doesNotContain("kafka");
            });
  }

  @Test
  void bothRolesInOneProcess() {
    runner()
        .withPropertyValues("tally.kafka.bootstrap-servers=127.0.0.1:1")
        .run(
            context -> {
              assertThat(context).hasSingleBean(TallyPipelineTarget.class);
              assertThat(context).hasSingleBean(KafkaUsageIngester.class);
            });
  }

  @Test
  void aPassedThroughSettingThatWouldWeakenDeliveryFailsStartupNamingIt() {
    runner()
        .withPropertyValues(
            "tally.kafka.bootstrap-servers=127.0.0.1:1",
            "tally.kafka.role=api",
            "tally.kafka.properties[acks]=1")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("property acks must be all"));
  }
}
