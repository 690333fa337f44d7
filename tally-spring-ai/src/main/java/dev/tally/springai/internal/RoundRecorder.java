package dev.tally.springai.internal;

import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageSource;
import dev.tally.spring.metrics.TallyUsageMetrics;
import dev.tally.springai.SubjectResolver;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * Starts and ends the tracked operation of one model round, from the model's observation context.
 * Every failure of its own is caught and logged (once at WARN, then DEBUG): the model call goes on.
 */
public final class RoundRecorder {
  /**
   * The attribute naming the model the caller asked for, when it differs or the answer has none.
   */
  public static final String REQUEST_MODEL_ATTRIBUTE = TallyUsageMetrics.REQUEST_MODEL_ATTRIBUTE;

  private static final Logger log = LoggerFactory.getLogger(RoundRecorder.class);

  private final UsageTracker tracker;
  private final SubjectResolver subjects;
  private final TokenEstimator estimator;
  private final String operationName;
  private final boolean keepText;
  private volatile boolean warned;

  /**
   * @param keepText whether prompt and answer text are handed to the tracker (whose capture policy
   *     then decides); false hands lengths only, without building the prompt's text
   */
  public RoundRecorder(
      UsageTracker tracker,
      SubjectResolver subjects,
      TokenEstimator estimator,
      String operation,
      boolean keepText) {
    if (operation == null || operation.isBlank()) {
      throw new IllegalArgumentException("operation must not be blank, was \"" + operation + "\"");
    }
    this.tracker = tracker;
    this.subjects = subjects;
    this.estimator = estimator;
    this.operationName = operation;
    this.keepText = keepText;
  }

  public void start(ChatModelObservationContext context) {
    if (!tracker.isEnabled()) {
      return;
    }
    try {
      Prompt prompt = context.getRequest();
      ChatOptions options = prompt.getOptions();
      String requested = options == null ? null : options.getModel();
      String provider = context.getOperationMetadata().provider();
      String subject = subject();
      ChatRound round;
      if (context.isStreaming()) {
        UsageContext usage = UsageContext.of(subject).withModel(requested).withProvider(provider);
        if (requested != null) {
          usage = usage.withAttribute(REQUEST_MODEL_ATTRIBUTE, requested);
        }
        UsageStream stream = tracker.startStream(operationName, usage);
        round = new ChatRound(null, stream, prompt, requested, provider);
        stream.prompt(round.promptText());
        RoundLink link = RoundLink.open();
        if (link != null) {
          link.attach(round);
        }
      } else {
        UsageOperation op =
            tracker.start(operationName).subject(subject).model(requested).provider(provider);
        if (requested != null) {
          op.attribute(REQUEST_MODEL_ATTRIBUTE, requested);
        }
        round = new ChatRound(op, null, prompt, requested, provider);
      }
      context.put(ChatRound.KEY, round);
    } catch (RuntimeException e) {
      warn("could not start tracking a model round", e);
    }
  }

  public void stop(ChatModelObservationContext context) {
    ChatRound round = context.get(ChatRound.KEY);
    if (round == null) {
      return;
    }
    try {
      if (round.stream != null) {
        stopStream(round, round.stream, context.getResponse(), context.getError());
      } else if (round.operation != null) {
        stopCall(round, round.operation, context.getResponse(), context.getError());
      }
    } catch (RuntimeException e) {
      warn("could not record a model round", e);
      endAnyway(round, context.getError());
    }
  }

  /** A round whose recording failed half way is still recorded once, never lost. */
  private static void endAnyway(ChatRound round, @Nullable Throwable error) {
    try {
      if (round.operation != null) {
        if (error != null) {
          round.operation.failure(ErrorCodes.of(error), TokenUsage.missing());
        } else {
          round.operation.success(TokenUsage.missing());
        }
      } else if (round.stream != null && error != null) {
        round.stream.fail(ErrorCodes.of(error));
      } else if (round.stream != null) {
        round.stream.complete();
      }
    } catch (RuntimeException ignored) {
      // already logged once; the model call goes on
    }
  }

  private void stopCall(
      ChatRound round,
      UsageOperation op,
      @Nullable ChatResponse response,
      @Nullable Throwable error) {
    String model = responseModel(response, round.requestedModel);
    String output = outputText(response);
    op.model(model)
        .content(
            keepText
                ? ContentSummary.of(round.promptText(), response == null ? null : output)
                : ContentSummary.lengths(
                    round.promptLength(), response == null ? -1 : output.length()));
    if (error != null) {
      op.failure(ErrorCodes.of(error), TokenUsage.missing());
      return;
    }
    TokenUsage reported =
        response == null
            ? null
            : SpringAiUsage.reported(response.getMetadata().getUsage(), round.provider);
    if (reported != null) {
      op.success(reported);
      return;
    }
    String promptText = round.promptText();
    long input = promptText.isEmpty() ? 0 : estimator.count(promptText, model);
    long out = output.isEmpty() ? 0 : estimator.count(output, model);
    if (input + out == 0) {
      op.success(TokenUsage.missing());
      return;
    }
    op.attribute(StreamDetails.ESTIMATOR_ATTRIBUTE, estimator.name(model));
    op.success(new TokenUsage(input, 0, 0, out, 0, UsageSource.ESTIMATED));
  }

  private void stopStream(
      ChatRound round,
      UsageStream stream,
      @Nullable ChatResponse response,
      @Nullable Throwable error) {
    round.modelResponse = response;
    round.modelError = error;
    if (round.pendingEnds.decrementAndGet() == 0) {
      endStream(round, stream);
    }
  }

  /** Called by the advisor when its relay of the round terminates (complete, error or cancel). */
  void relayEnded(ChatRound round, boolean cancelled) {
    UsageStream stream = round.stream;
    if (stream == null) {
      return;
    }
    round.relayCancelled = cancelled;
    if (round.pendingEnds.decrementAndGet() == 0) {
      try {
        endStream(round, stream);
      } catch (RuntimeException e) {
        warn("could not record a model round", e);
      }
    }
  }

  private void endStream(ChatRound round, UsageStream stream) {
    ChatResponse response = round.modelResponse;
    Throwable error = round.modelError;
    String chunkModel = round.chunkModel;
    String model =
        response != null
            ? responseModel(response, chunkModel != null ? chunkModel : round.requestedModel)
            : chunkModel;
    if (model != null) {
      stream.model(model);
    }
    TokenUsage usage = round.chunkUsage;
    if (usage == null && response != null) {
      usage = SpringAiUsage.reported(response.getMetadata().getUsage(), round.provider);
    }
    if (!round.fed && response != null) {
      stream.delivered(outputText(response));
    }
    if (usage != null) {
      stream.usage(usage);
    }
    if (error != null) {
      stream.fail(ErrorCodes.of(error));
    } else if (response == null || round.relayCancelled) {
      // The model's Flux stops its observation without a response only when it was cancelled.
      stream.cancel();
    } else {
      stream.complete();
    }
  }

  /** Called by the advisor for each chunk it relays. */
  void chunk(ChatRound round, @Nullable ChatResponse chunk) {
    if (chunk == null) {
      return;
    }
    UsageStream stream = round.stream;
    if (stream == null) {
      return;
    }
    round.fed = true;
    for (Generation generation : chunk.getResults()) {
      AssistantMessage message = generation.getOutput();
      String text = message.getText();
      if (text != null && !text.isEmpty()) {
        stream.delivered(text);
      }
      for (AssistantMessage.ToolCall call : message.getToolCalls()) {
        // Generated output the client does not see: counted for the estimate only.
        String arguments = call.name() + call.arguments();
        stream.deliveredTokens(estimator.count(arguments, round.requestedModel));
      }
    }
    String model = chunk.getMetadata().getModel();
    if (model != null && !model.isBlank()) {
      round.chunkModel = model;
    }
    TokenUsage usage = SpringAiUsage.reported(chunk.getMetadata().getUsage(), round.provider);
    if (usage != null) {
      round.chunkUsage = usage;
    }
  }

  private @Nullable String subject() {
    try {
      return subjects.currentSubject();
    } catch (RuntimeException e) {
      warn("the subject resolver failed; recording anonymous", e);
      return null;
    }
  }

  private static @Nullable String responseModel(
      @Nullable ChatResponse response, @Nullable String fallback) {
    if (response != null) {
      String model = response.getMetadata().getModel();
      if (model != null && !model.isBlank()) {
        return model;
      }
    }
    return fallback;
  }

  static String outputText(@Nullable ChatResponse response) {
    if (response == null) {
      return "";
    }
    List<Generation> results = response.getResults();
    if (results.size() == 1) {
      return text(results.get(0).getOutput());
    }
    StringBuilder out = new StringBuilder();
    for (Generation generation : results) {
      out.append(text(generation.getOutput()));
    }
    return out.toString();
  }

  private static String text(AssistantMessage message) {
    String text = message.getText();
    List<AssistantMessage.ToolCall> calls = message.getToolCalls();
    if (calls.isEmpty()) {
      return text == null ? "" : text;
    }
    StringBuilder out = new StringBuilder(text == null ? "" : text);
    for (AssistantMessage.ToolCall call : calls) {
      out.append(call.name()).append(call.arguments());
    }
    return out.toString();
  }

  private void warn(String what, RuntimeException e) {
    if (!warned) {
      warned = true;
      log.warn("Tally: {}: {}", what, e.toString(), e);
    } else {
      log.debug("Tally: {}", what, e);
    }
  }
}
