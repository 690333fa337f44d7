package dev.tally.server.model;

import dev.tally.core.UsageStream;
import dev.tally.core.event.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local, deterministic model that answers with the last message. It needs no API key, so the
 * server runs out of the box; its usage is counted with {@link TokenCounter} and marked {@code
 * ESTIMATED}. Its summary is built from the conversation, as a person would recognise one: how many
 * things were asked, the first and the last, and how many answers were given.
 */
public final class EchoChatModel implements ChatModel {
  /** Longest quote of a message in a summary, in characters. */
  static final int QUOTE_LENGTH = 60;

  /** A word with the spaces before it: the pieces of a streamed answer. */
  private static final Pattern WORD = Pattern.compile("\\s*\\S+");

  private final String name;
  private final TokenCounter tokens;
  private final Duration streamDelay;

  public EchoChatModel(String name, TokenCounter tokens) {
    this(name, tokens, Duration.ZERO);
  }

  /**
   * @param streamDelay the pause before each word of a streamed answer
   */
  public EchoChatModel(String name, TokenCounter tokens, Duration streamDelay) {
    this.name = name;
    this.tokens = tokens;
    this.streamDelay = streamDelay;
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
    return completion(messages, "Echo: " + last);
  }

  /**
   * Streams the answer of {@link #complete} word by word, pausing {@code stream-delay} before each.
   * It reports no usage: the stream counts the prompt and the delivered words with the same
   * tokenizer, so a streamed echo is {@code ESTIMATED} like a plain one, with the same counts.
   */
  @Override
  public String stream(List<ChatMessage> messages, UsageStream usage, ChatDeltas deltas) {
    usage.model(name);
    String answer = complete(messages).text();
    Matcher words = WORD.matcher(answer);
    while (words.find()) {
      pause();
      deltas.delta(words.group());
    }
    return name;
  }

  private void pause() {
    if (streamDelay.isZero()) {
      return;
    }
    try {
      Thread.sleep(streamDelay.toMillis(), streamDelay.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChatModelException("interrupted while streaming", e);
    }
  }

  /**
   * For example: "You asked about 3 things, first 'Hello' and last 'Remember me?'; I answered 3
   * times."
   */
  @Override
  public ChatCompletion summarize(List<ChatMessage> conversation) {
    List<String> asked =
        conversation.stream()
            .filter(m -> m.role().equals("user"))
            .map(ChatMessage::content)
            .toList();
    long answers = conversation.stream().filter(m -> m.role().equals("assistant")).count();
    String questions =
        switch (asked.size()) {
          case 0 -> "You asked nothing";
          case 1 -> "You asked about 1 thing, " + quote(asked.get(0));
          default ->
              "You asked about "
                  + asked.size()
                  + " things, first "
                  + quote(asked.get(0))
                  + " and last "
                  + quote(asked.get(asked.size() - 1));
        };
    String answered =
        answers == 0
            ? "I have not answered yet"
            : answers == 1 ? "I answered once" : "I answered " + answers + " times";
    return completion(conversation, questions + "; " + answered + ".");
  }

  private ChatCompletion completion(List<ChatMessage> prompt, String reply) {
    return new ChatCompletion(
        reply, name, TokenUsage.estimated(tokens.countPrompt(prompt), tokens.count(reply)));
  }

  private static String quote(String message) {
    String line = message.strip().replaceAll("\\s+", " ");
    return "'"
        + (line.length() > QUOTE_LENGTH ? line.substring(0, QUOTE_LENGTH - 1) + "…" : line)
        + "'";
  }
}
