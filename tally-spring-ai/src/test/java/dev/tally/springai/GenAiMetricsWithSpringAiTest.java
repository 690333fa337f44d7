package dev.tally.springai;

import static dev.tally.springai.FakeOpenAi.completion;
import static dev.tally.springai.FakeOpenAi.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyMetricsAutoConfiguration;
import dev.tally.springai.FakeOpenAi.Reply;
import dev.tally.springai.autoconfigure.TallySpringAiAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelMeterObservationHandler;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.chat.observation.autoconfigure.ChatObservationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Spring AI's own chat observation metrics and Tally's, both on the class path, published through
 * Prometheus: one {@code gen_ai.client.token.usage}, a histogram with the GenAI buckets.
 */
class GenAiMetricsWithSpringAiTest {
  @TempDir Path dir;
  private FakeOpenAi openAi;
  private ApplicationContextRunner runner;

  @BeforeEach
  void start() throws Exception {
    openAi = new FakeOpenAi();
    runner =
        new ApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class,
                    PrometheusMetricsExportAutoConfiguration.class,
                    ObservationAutoConfiguration.class,
                    ChatObservationAutoConfiguration.class,
                    TallyMetricsAutoConfiguration.class,
                    TallyAutoConfiguration.class,
                    TallySpringAiAutoConfiguration.class))
            .withUserConfiguration(OpenAiChatModelTrackingTest.Model.class)
            .withPropertyValues(
                "fake.url=" + openAi.baseUrl(),
                "tally.store.url=jdbc:sqlite:" + dir.resolve("tally.db"),
                "tally.pipeline.spool-directory=" + dir.resolve("spool"),
                "tally.pipeline.flush-interval=5ms");
  }

  @AfterEach
  void stop() {
    openAi.close();
  }

  @Test
  void oneTokenUsageHistogramUnderTheGenAiNameWithSpringAisMetricsOn() {
    openAi.reply(Reply.json(completion("Hello", usage(12, 4, 5, 2))));
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(ChatModelMeterObservationHandler.class))
              .isNotExactlyInstanceOf(ChatModelMeterObservationHandler.class);
          context.getBean(ChatModel.class).call(new Prompt("Say hello"));
          TestLedger.awaitEvents(context, 1);

          PrometheusMeterRegistry prometheus = context.getBean(PrometheusMeterRegistry.class);
          String scrape = awaitScrape(prometheus, "gen_ai_client_token_usage_tokens_bucket");
          assertThat(scrape)
              .contains("gen_ai_client_token_usage_tokens_bucket{")
              .contains("gen_ai_provider_name=\"openai\"")
              .contains("gen_ai_response_model=\"" + FakeOpenAi.MODEL + "\"")
              .contains("gen_ai_request_model=\"gpt-4o-mini\"")
              .contains("gen_ai_token_type=\"cached_input\"")
              .contains("gen_ai_token_type=\"reasoning\"")
              .contains("le=\"16.0\"")
              .contains("gen_ai_client_operation_duration_seconds_bucket{")
              .doesNotContain("gen_ai_client_token_usage_total");
          // Spring AI's observation timer is still there, under its own name.
          assertThat(scrape).contains("gen_ai_client_operation_seconds");
        });
  }

  @Test
  void springAisCounterStaysWhenTheReplacementIsOff() {
    openAi.reply(Reply.json(completion("Hello", usage(12, 4, 5, 2))));
    runner
        .withPropertyValues("tally.spring-ai.replace-token-metric=false")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(ChatModelMeterObservationHandler.class))
                  .isExactlyInstanceOf(ChatModelMeterObservationHandler.class);
              context.getBean(ChatModel.class).call(new Prompt("Say hello"));
              TestLedger.awaitEvents(context, 1);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(registry.find("gen_ai.client.token.usage").counters()).isNotEmpty();
            });
  }

  private static String awaitScrape(PrometheusMeterRegistry registry, String needle) {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> registry.scrape().contains(needle));
    return registry.scrape();
  }
}
