package dev.tally.springai;

import dev.tally.springai.internal.RoundRecorder;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.springframework.ai.chat.observation.ChatModelObservationContext;

/**
 * Records one usage event for every Spring AI chat model round, from the model's own observation:
 * every {@code ChatModel.call} and {@code ChatModel.stream}, direct or through a {@code
 * ChatClient}, where a tool-calling exchange is one round per model request. Each event carries the
 * subject (from the {@link SubjectResolver}), the model (the response's, else the requested one),
 * the provider, the token categories (reported, else estimated, else missing) and the outcome:
 * success, failure with a stable error code ({@code provider.http_500}, {@code provider.timeout},
 * ...), or cancelled for a stream its subscriber left.
 *
 * <p>Registered on Spring Boot's {@code ObservationRegistry}, which Spring AI's models report to.
 * Never throws into the model call and never blocks: it only hands events to the tracker.
 */
public final class TallyChatModelObservationHandler
    implements ObservationHandler<ChatModelObservationContext> {
  private final RoundRecorder recorder;

  public TallyChatModelObservationHandler(RoundRecorder recorder) {
    this.recorder = recorder;
  }

  @Override
  public void onStart(ChatModelObservationContext context) {
    recorder.start(context);
  }

  @Override
  public void onStop(ChatModelObservationContext context) {
    recorder.stop(context);
  }

  @Override
  public boolean supportsContext(Observation.Context context) {
    return context instanceof ChatModelObservationContext;
  }
}
