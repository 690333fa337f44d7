package dev.tally.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyBudgetAutoConfiguration;
import dev.tally.springai.autoconfigure.TallySpringAiAutoConfiguration;
import dev.tally.springai.internal.RoundRecorder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class TallySpringAiAutoConfigurationTest {
  @TempDir Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                ObservationAutoConfiguration.class,
                TallyAutoConfiguration.class,
                TallyBudgetAutoConfiguration.class,
                TallySpringAiAutoConfiguration.class))
        .withPropertyValues(
            "tally.store.url=jdbc:sqlite:" + dir.resolve("tally.db"),
            "tally.pipeline.spool-directory=" + dir.resolve("spool"));
  }

  @Test
  void onByDefaultWithSpringAiOnTheClassPath() {
    runner()
        .run(
            context -> {
              assertThat(context).hasSingleBean(TallyChatModelObservationHandler.class);
              assertThat(context).hasSingleBean(RoundRecorder.class);
              assertThat(context).hasSingleBean(SubjectResolver.class);
              assertThat(context).hasBean("tallyChatClientCustomizer");
            });
  }

  @Test
  void offByProperty() {
    runner()
        .withPropertyValues("tally.spring-ai.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(TallyChatModelObservationHandler.class);
              assertThat(context).doesNotHaveBean(ChatClientCustomizer.class);
            });
  }

  @Test
  void offWhenTallyIsOff() {
    runner()
        .withPropertyValues("tally.enabled=false")
        .run(
            context -> assertThat(context).doesNotHaveBean(TallyChatModelObservationHandler.class));
  }

  @Test
  void offWithoutSpringAi() {
    runner()
        .withClassLoader(new FilteredClassLoader(ChatModel.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(TallyChatModelObservationHandler.class);
              assertThat(context).doesNotHaveBean(RoundRecorder.class);
            });
  }

  @Test
  void backsOffForTheApplicationsOwnBeans() {
    runner()
        .withUserConfiguration(Own.class)
        .run(
            context -> {
              assertThat(context).getBean(SubjectResolver.class).isSameAs(Own.SUBJECTS);
              assertThat(context.getBean(TallyChatModelObservationHandler.class))
                  .isSameAs(context.getBean("ownHandler"));
              assertThat(context.getBean("tallyChatClientCustomizer")).isSameAs(Own.CUSTOMIZER);
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class Own {
    static final SubjectResolver SUBJECTS = () -> "own";
    static final ChatClientCustomizer CUSTOMIZER = builder -> {};

    @Bean
    SubjectResolver subjects() {
      return SUBJECTS;
    }

    @Bean
    TallyChatModelObservationHandler ownHandler(RoundRecorder recorder) {
      return new TallyChatModelObservationHandler(recorder);
    }

    @Bean
    ChatClientCustomizer tallyChatClientCustomizer() {
      return CUSTOMIZER;
    }
  }
}
