package dev.tally.benchmarks;

import dev.tally.core.UsageTracker;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.llm.JtokkitTokenEstimator;
import dev.tally.springai.TallyChatModelObservationHandler;
import dev.tally.springai.internal.RoundAdvisor;
import dev.tally.springai.internal.RoundRecorder;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * What Tally adds to a Spring AI {@code ChatClient.call()} against an in-process fake model that
 * reports its round through Spring AI's model observation, as the real models do.
 *
 * <ul>
 *   <li>{@code untracked}: an {@code ObservationRegistry} with no handler (Spring AI's observations
 *       are no-ops), no Tally advisor.
 *   <li>{@code observed}: a registry with one handler that does nothing, as in an application with
 *       metrics or tracing on: Spring AI's observations are real ones, no Tally.
 *   <li>{@code tracked}: Tally's observation handler on the registry (so Spring AI's ChatClient,
 *       advisor and model observations become real ones), Tally's advisor in the chain, the event
 *       handed to a real {@link UsagePipeline} whose sink discards.
 * </ul>
 *
 * {@code tracked − observed} is what Tally adds in an application that already observes; {@code
 * tracked − untracked} adds the cost of turning Spring AI's observations on at all.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class SpringAiChatClientBenchmark {

  @Param({"untracked", "observed", "tracked"})
  public String mode;

  private UsagePipeline pipeline;
  private ChatClient client;

  @Setup
  public void start() throws Exception {
    ObservationRegistry observations = ObservationRegistry.create();
    ChatClient.Builder builder;
    if (mode.equals("tracked")) {
      pipeline =
          UsagePipeline.builder(batch -> CompletableFuture.completedFuture(null))
              .queueCapacity(1 << 22)
              .spoolDirectory(Files.createTempDirectory("tally-bench-springai"))
              .build();
      UsageTracker tracker = UsageTracker.builder(pipeline).build();
      RoundRecorder recorder =
          new RoundRecorder(
              tracker, () -> "user-4711", JtokkitTokenEstimator.create(), "chat", false);
      observations
          .observationConfig()
          .observationHandler(new TallyChatModelObservationHandler(recorder));
      builder =
          ChatClient.builder(new FakeModel(observations), observations, null, null)
              .defaultAdvisors(new RoundAdvisor(recorder));
    } else {
      if (mode.equals("observed")) {
        // An application with metrics or tracing on: Spring AI's observations are real ones.
        observations.observationConfig().observationHandler(context -> true);
      }
      builder = ChatClient.builder(new FakeModel(observations), observations, null, null);
    }
    client = builder.build();
  }

  @TearDown
  public void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Benchmark
  public ChatResponse call() {
    return client
        .prompt()
        .user("Summarise the meeting notes in three bullets")
        .call()
        .chatResponse();
  }

  /** Answers at once, inside Spring AI's model observation like {@code OpenAiChatModel}. */
  static final class FakeModel implements ChatModel {
    private static final ChatModelObservationConvention CONVENTION =
        new DefaultChatModelObservationConvention();
    private final ObservationRegistry observations;

    FakeModel(ObservationRegistry observations) {
      this.observations = observations;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
      ChatModelObservationContext context =
          ChatModelObservationContext.builder().prompt(prompt).provider("fake").build();
      return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
          .observation(null, CONVENTION, () -> context, observations)
          .observe(
              () -> {
                ChatResponse response =
                    new ChatResponse(
                        List.of(new Generation(new AssistantMessage("The meeting moved."))),
                        ChatResponseMetadata.builder()
                            .model("fake-1")
                            .usage(new DefaultUsage(12, 5))
                            .build());
                context.setResponse(response);
                return response;
              });
    }
  }
}
