package dev.tally.springai.autoconfigure;

import dev.tally.core.CaptureMode;
import dev.tally.core.ContentCapture;
import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageTracker;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.llm.JtokkitTokenEstimator;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyBudgetAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyMetricsAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyProperties;
import dev.tally.springai.SubjectResolver;
import dev.tally.springai.TallyChatModelObservationHandler;
import dev.tally.springai.internal.BudgetAdvisor;
import dev.tally.springai.internal.QuietChatModelMeterObservationHandler;
import dev.tally.springai.internal.RequestSubjectResolver;
import dev.tally.springai.internal.RoundAdvisor;
import dev.tally.springai.internal.RoundRecorder;
import dev.tally.springai.internal.SubjectThreadLocalAccessor;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationHandler;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelMeterObservationHandler;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tracks every Spring AI chat model round with no code: an {@link ObservationHandler} on the
 * models' own observations records one event per round (call or stream, direct or through a
 * ChatClient, one per tool-calling round); a {@link ChatClientCustomizer} adds two advisors to
 * every auto-configured {@code ChatClient.Builder}: a budget check before anything else, and a
 * relay of each streamed round's chunks to that round (so a cancelled stream counts what was
 * delivered). {@code tally.spring-ai.enabled=false} turns it off; every bean backs off for the
 * application's own.
 */
@AutoConfiguration(
    after = {
      TallyAutoConfiguration.class,
      TallyBudgetAutoConfiguration.class,
      TallyMetricsAutoConfiguration.class
    },
    beforeName = {
      "org.springframework.ai.model.chat.observation.autoconfigure.ChatObservationAutoConfiguration",
      "org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration"
    })
@ConditionalOnClass({ChatModel.class, ChatModelObservationContext.class, ObservationHandler.class})
@ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "tally.spring-ai.enabled", matchIfMissing = true)
@ConditionalOnBean(UsageTracker.class)
@EnableConfigurationProperties(TallySpringAiProperties.class)
public final class TallySpringAiAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  SubjectResolver tallySubjectResolver(ObjectProvider<TallyProperties> properties) {
    TallyProperties tally = properties.getIfAvailable();
    return new RequestSubjectResolver(tally == null ? null : tally.getFilter().getSubjectHeader());
  }

  /**
   * OpenAI's tokenizers (jtokkit) for rounds without provider usage; the starter gives it to the
   * tracker, which estimates streams with it.
   */
  @Bean
  @ConditionalOnMissingBean
  TokenEstimator tallyTokenEstimator() {
    return JtokkitTokenEstimator.create();
  }

  @Bean
  @ConditionalOnMissingBean
  RoundRecorder tallySpringAiRoundRecorder(
      UsageTracker tracker,
      SubjectResolver subjects,
      TokenEstimator estimator,
      TallySpringAiProperties properties,
      ObjectProvider<ContentCapture> capture) {
    ContentCapture policy = capture.getIfAvailable();
    boolean keepText = policy != null && policy.mode() == CaptureMode.FULL;
    return new RoundRecorder(tracker, subjects, estimator, properties.getOperation(), keepText);
  }

  @Bean
  @ConditionalOnMissingBean
  TallyChatModelObservationHandler tallyChatModelObservationHandler(RoundRecorder recorder) {
    return new TallyChatModelObservationHandler(recorder);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ChatClientCustomizer.class)
  static class ChatClientAdvisors {

    @Bean
    @ConditionalOnMissingBean(name = "tallyChatClientCustomizer")
    ChatClientCustomizer tallyChatClientCustomizer(
        RoundRecorder recorder, ObjectProvider<BudgetGuard> guard, SubjectResolver subjects) {
      RoundAdvisor rounds = new RoundAdvisor(recorder);
      BudgetGuard budgets = guard.getIfUnique();
      BudgetAdvisor budget = budgets == null ? null : new BudgetAdvisor(budgets, subjects);
      return builder -> {
        builder.defaultAdvisors(rounds);
        if (budget != null) {
          builder.defaultAdvisors(budget);
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ThreadLocalAccessor.class)
  static class SubjectPropagation {

    /** Registered with context propagation, so Reactor threads see the request's subject. */
    @Bean
    @ConditionalOnMissingBean
    SubjectThreadLocalAccessor tallySubjectThreadLocalAccessor(SubjectResolver subjects) {
      SubjectThreadLocalAccessor accessor = new SubjectThreadLocalAccessor(subjects);
      ContextRegistry.getInstance().registerThreadLocalAccessor(accessor);
      return accessor;
    }
  }

  /**
   * Spring AI's {@code gen_ai.client.token.usage} counter gives way to Tally's histogram of the
   * same name (see {@link TallySpringAiProperties#isReplaceTokenMetric()}).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ChatModelMeterObservationHandler.class, MeterRegistry.class})
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnBooleanProperty(name = "tally.metrics.usage", matchIfMissing = true)
  @ConditionalOnBooleanProperty(
      name = "tally.spring-ai.replace-token-metric",
      matchIfMissing = true)
  static class TokenMetric {

    @Bean
    @ConditionalOnMissingBean
    ChatModelMeterObservationHandler chatModelMeterObservationHandler(MeterRegistry registry) {
      return new QuietChatModelMeterObservationHandler(registry);
    }
  }
}
