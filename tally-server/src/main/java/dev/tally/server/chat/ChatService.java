package dev.tally.server.chat;

import dev.tally.core.TrackUsage;
import dev.tally.server.auth.Caller;
import dev.tally.server.model.ChatCompletion;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.ChatModel;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * The chat use case: answer a message in the context of its session and remember the exchange. It
 * holds no tracking code; the {@link TrackUsage} decorator records who, which session, which model
 * and how many tokens, and a failure of the model as an error.
 */
@Service
public class ChatService {
  private final ChatModel model;
  private final SessionStore sessions;
  private final Clock clock;

  public ChatService(ChatModel model, SessionStore sessions, Clock clock) {
    this.model = model;
    this.sessions = sessions;
    this.clock = clock;
  }

  /**
   * Answers in an existing session of the caller (see {@link SessionStore#create}).
   *
   * @throws dev.tally.server.web.ApiException 404 when the session is not the caller's
   */
  @TrackUsage(
      value = "chat",
      subject = "#caller.subject",
      userEmail = "#caller.email",
      session = "#sessionId",
      model = "#result.model",
      tokens = "#result.usage")
  public ChatReply chat(Caller caller, String sessionId, String message) {
    Instant startedAt = clock.instant();
    sessions.requireOwner(sessionId, caller.subject());
    List<ChatMessage> prompt = new ArrayList<>(sessions.history(sessionId));
    prompt.add(ChatMessage.user(message));
    ChatCompletion completion = model.complete(prompt);
    sessions.append(
        sessionId, List.of(ChatMessage.user(message), ChatMessage.assistant(completion.text())));
    return new ChatReply(
        completion.text(), sessionId, completion.model(), completion.usage(), startedAt);
  }
}
