package dev.tally.server.gateway;

import dev.tally.server.model.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The text of a chat completion request's messages (string content or text parts). */
final class Messages {
  private Messages() {}

  static List<ChatMessage> of(JsonNode request) {
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : request.path("messages")) {
      messages.add(new ChatMessage(m.path("role").asString("user"), text(m.path("content"))));
    }
    return messages;
  }

  /** All message texts, one per line: the prompt counted at the end of a stream without usage. */
  static String promptText(JsonNode request) {
    StringBuilder text = new StringBuilder();
    for (JsonNode m : request.path("messages")) {
      text.append(text(m.path("content"))).append('\n');
    }
    return text.toString();
  }

  static String text(JsonNode content) {
    if (content.isString()) {
      return content.asString();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("text").isString()) {
        text.append(part.path("text").asString());
      }
    }
    return text.toString();
  }
}
