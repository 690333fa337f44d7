package dev.tally.server.model;

import dev.tally.core.UsageStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The port to a chat model. Implementations hold no tracking code: the caller's {@code @TrackUsage}
 * or domain event records the usage they report.
 */
public interface ChatModel {

  /** The model requested, for example {@code echo} or {@code gpt-4o-mini}. */
  String name();

  /** The provider recorded on usage events, for example {@code local} or {@code openai}. */
  String provider();

  /**
   * Answers the last message given the ones before it.
   *
   * @throws ChatModelTimeoutException when the provider does not answer in time
   * @throws ChatModelException when the provider fails or answers with an error
   */
  ChatCompletion complete(List<ChatMessage> messages);

  /**
   * Answers the last message as a stream: each piece of the answer goes to {@code deltas} as it is
   * generated, and the provider's usage (when it reports one) and the model that answered go to
   * {@code usage}. The model does not end {@code usage} and does not feed it the delivered text;
   * the caller does both. When {@code deltas} throws, the model stops, releases its upstream call
   * and lets the exception through.
   *
   * <p>By default the whole answer of {@link #complete} is one piece, with its usage.
   *
   * @return the model that answered, as the provider names it
   * @throws ChatModelTimeoutException when the provider does not answer in time
   * @throws ChatModelException when the provider fails, before or during the stream
   */
  default String stream(List<ChatMessage> messages, UsageStream usage, ChatDeltas deltas) {
    ChatCompletion completion = complete(messages);
    usage.model(completion.model()).usage(completion.usage());
    if (!completion.text().isEmpty()) {
      deltas.delta(completion.text());
    }
    return completion.model();
  }

  /** What {@link #summarize} asks a model that answers in language. */
  String SUMMARY_INSTRUCTION = "Summarize our conversation so far in one short paragraph.";

  /**
   * Summarizes a conversation. By default the model is asked to, with {@link #SUMMARY_INSTRUCTION}
   * after the conversation.
   *
   * @param conversation the messages, oldest first; not empty
   * @throws ChatModelTimeoutException when the provider does not answer in time
   * @throws ChatModelException when the provider fails or answers with an error
   */
  default ChatCompletion summarize(List<ChatMessage> conversation) {
    List<ChatMessage> prompt = new ArrayList<>(conversation);
    prompt.add(ChatMessage.user(SUMMARY_INSTRUCTION));
    return complete(prompt);
  }
}
