package dev.tally.server.model;

/**
 * Where a streaming {@link ChatModel} sends each piece of its answer as it is generated. The
 * receiver relays it to the client; it throws (any runtime exception) when the client is gone or
 * the stream must stop, and the model then stops generating and releases its upstream call.
 */
@FunctionalInterface
public interface ChatDeltas {

  /** One piece of the answer, not empty. */
  void delta(String text);
}
