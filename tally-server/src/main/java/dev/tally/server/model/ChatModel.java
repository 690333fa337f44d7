package dev.tally.server.model;

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
