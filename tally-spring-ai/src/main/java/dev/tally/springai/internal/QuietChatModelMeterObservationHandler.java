package dev.tally.springai.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import org.springframework.ai.chat.observation.ChatModelMeterObservationHandler;
import org.springframework.ai.chat.observation.ChatModelObservationContext;

/**
 * Takes the place of Spring AI's token counter so that {@code gen_ai.client.token.usage} is
 * published once, by Tally's histogram: two meters of different types under one name would clash in
 * Prometheus. It handles no observation.
 */
public final class QuietChatModelMeterObservationHandler extends ChatModelMeterObservationHandler {
  public QuietChatModelMeterObservationHandler(MeterRegistry registry) {
    super(registry);
  }

  @Override
  public void onStop(ChatModelObservationContext context) {}

  @Override
  public boolean supportsContext(Observation.Context context) {
    return false;
  }
}
