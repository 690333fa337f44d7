package dev.tally.server.model;

import dev.tally.core.TokenUsage;
import java.util.List;

/**
 * A local, deterministic model that answers with the last message. It needs no API key, so the
 * server runs out of the box; its usage is counted with {@link TokenCounter} and marked {@code
 * ESTIMATED}.
 */
public final class EchoChatModel implements ChatModel {
  private final String name;
  private final TokenCounter tokens;

  public EchoChatModel(String name, TokenCounter tokens) {
    this.name = name;
    this.tokens = tokens;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String provider() {
    return "local";
  }

  @Override
  public ChatCompletion complete(List<ChatMessage> messages) {
    String last = messages.isEmpty() ? "" : messages.get(messages.size() - 1).content();
    String reply = "Echo: " + last;
    return new ChatCompletion(
        reply, name, TokenUsage.estimated(tokens.countPrompt(messages), tokens.count(reply)));
  }
}
