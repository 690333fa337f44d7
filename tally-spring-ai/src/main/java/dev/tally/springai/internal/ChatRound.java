package dev.tally.springai.internal;

import dev.tally.core.UsageOperation;
import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * One model round being tracked: a call ({@link #operation}) or a stream ({@link #stream}), kept in
 * the round's observation context from start to stop. For a stream under a {@code ChatClient}, the
 * {@link RoundAdvisor} feeds it the chunks it relays ({@link #fed}), so a cancelled stream still
 * counts what was delivered and the usage chunk keeps its native details.
 */
public final class ChatRound {
  public static final Class<ChatRound> KEY = ChatRound.class;

  final @Nullable UsageOperation operation;
  final @Nullable UsageStream stream;
  final Prompt prompt;
  private @Nullable String promptText;
  final @Nullable String requestedModel;
  final @Nullable String provider;
  volatile boolean fed;
  volatile @Nullable TokenUsage chunkUsage;
  volatile @Nullable String chunkModel;

  /**
   * Ends still to come before a streamed round is recorded: the model's (its observation stops)
   * and, when an advisor relays the round, the advisor's (its Flux terminates). The advisor sees
   * chunks after Spring AI's {@code publishOn}, so the model may finish before the advisor has seen
   * the usage chunk; the round is recorded by whichever end comes last.
   */
  final AtomicInteger pendingEnds = new AtomicInteger(1);

  volatile @Nullable ChatResponse modelResponse;
  volatile @Nullable Throwable modelError;
  volatile boolean relayCancelled;

  ChatRound(
      @Nullable UsageOperation operation,
      @Nullable UsageStream stream,
      Prompt prompt,
      @Nullable String requestedModel,
      @Nullable String provider) {
    this.operation = operation;
    this.stream = stream;
    this.prompt = prompt;
    this.requestedModel = requestedModel;
    this.provider = provider;
  }

  /** The prompt's text, built on first use (only when estimating or capturing text). */
  String promptText() {
    String text = promptText;
    if (text == null) {
      String contents = prompt.getContents();
      text = contents == null ? "" : contents;
      promptText = text;
    }
    return text;
  }

  /** The prompt's length in characters, without building its text. */
  int promptLength() {
    String text = promptText;
    if (text != null) {
      return text.length();
    }
    int length = 0;
    for (Message message : prompt.getInstructions()) {
      String part = message.getText();
      length += part == null ? 0 : part.length();
    }
    return length;
  }
}
