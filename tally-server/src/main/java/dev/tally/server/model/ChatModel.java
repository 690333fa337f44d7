package dev.tally.server.model;

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
}
