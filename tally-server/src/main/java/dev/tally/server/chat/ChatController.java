package dev.tally.server.chat;

import dev.tally.core.pricing.PriceCatalog;
import dev.tally.server.ServerSettings;
import dev.tally.server.auth.Caller;
import dev.tally.server.budget.CallReservations;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.ChatModel;
import dev.tally.server.model.TokenCounter;
import dev.tally.server.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/chat}, {@code POST /api/chat/sessions/{id}/summary} and {@code DELETE
 * /api/chat/sessions/{id}}. A chat without {@code sessionId} starts a session whose id the server
 * issues; a {@code sessionId} the caller does not own (or that does not exist) is a 404.
 */
@RestController
@RequestMapping("/api/chat")
class ChatController {
  private final ChatService chat;
  private final ChatStreamService streams;
  private final SummaryService summaries;
  private final SessionStore sessions;
  private final PriceCatalog prices;
  private final CallReservations reservations;
  private final ChatModel model;
  private final TokenCounter tokens;
  private final long maxMessageBytes;
  private final boolean anonymousChat;

  ChatController(
      ChatService chat,
      ChatStreamService streams,
      SummaryService summaries,
      SessionStore sessions,
      PriceCatalog prices,
      CallReservations reservations,
      ChatModel model,
      TokenCounter tokens,
      ServerSettings settings) {
    this.chat = chat;
    this.streams = streams;
    this.summaries = summaries;
    this.sessions = sessions;
    this.prices = prices;
    this.reservations = reservations;
    this.model = model;
    this.tokens = tokens;
    this.maxMessageBytes = settings.chat().maxMessageSize().toBytes();
    this.anonymousChat = settings.anonymousChatEnabled();
  }

  /**
   * The body of {@code POST /api/chat}; without {@code sessionId} a new session starts. With {@code
   * stream} true the answer is a {@code text/event-stream} (see {@link ChatStreamService}).
   */
  record ChatRequest(
      @Nullable String message, @Nullable String sessionId, @Nullable Boolean stream) {}

  record ChatResponse(String response, String sessionId, String model, UsageView usage) {}

  record SummaryResponse(String summary, String sessionId, String model, UsageView usage) {}

  /** A {@link ChatResponse}, or an {@code SseEmitter} when the request asks for a stream. */
  @PostMapping
  @EmitterOrBody.Handles
  Object chat(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @RequestBody ChatRequest request) {
    allowed(caller);
    String message = request.message();
    if (message == null || message.isBlank()) {
      throw ApiException.badRequest("message must be given and not blank");
    }
    long bytes = message.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxMessageBytes) {
      throw new ApiException(
          HttpStatus.CONTENT_TOO_LARGE,
          "message is " + bytes + " bytes (UTF-8), at most " + maxMessageBytes + " are accepted");
    }
    boolean fresh = request.sessionId() == null;
    String sessionId =
        fresh ? sessions.create(caller.subject()) : validSession(request.sessionId());
    ChatReply reply;
    try {
      if (Boolean.TRUE.equals(request.stream())) {
        return streams.stream(caller, sessionId, fresh, message);
      }
      reply = reservedChat(caller, sessionId, message);
    } catch (RuntimeException e) {
      if (fresh) {
        try {
          sessions.delete(sessionId, caller.subject()); // nothing was said in it
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
    return new ChatResponse(
        reply.response(),
        reply.sessionId(),
        reply.model(),
        UsageView.of(reply.usage(), reply.model(), reply.startedAt(), prices));
  }

  @PostMapping("/sessions/{id}/summary")
  SummaryResponse summary(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    allowed(caller);
    SummaryService.Summary s = reservedSummary(caller, validSession(id));
    return new SummaryResponse(
        s.text(),
        s.sessionId(),
        s.model(),
        UsageView.of(s.usage(), s.model(), s.startedAt(), prices));
  }

  /** Deletes the session and its messages; 404 when it is not the caller's. */
  @DeleteMapping("/sessions/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    allowed(caller);
    sessions.delete(validSession(id), caller.subject());
  }

  /** A plain chat, its estimate reserved before the model is called when reservations are on. */
  private ChatReply reservedChat(Caller caller, String sessionId, String message) {
    if (!reservations.enabled()) {
      return chat.chat(caller, sessionId, message);
    }
    sessions.requireOwner(sessionId, caller.subject());
    try (CallReservations.Call call =
        reserve(caller, () -> prompt(sessions.history(sessionId), message))) {
      call.dispatched();
      ChatReply reply = chat.chat(caller, sessionId, message);
      call.settle(reply.model(), reply.usage());
      return reply;
    }
  }

  private SummaryService.Summary reservedSummary(Caller caller, String sessionId) {
    if (!reservations.enabled()) {
      return summaries.summarize(caller, sessionId);
    }
    sessions.requireOwner(sessionId, caller.subject());
    List<ChatMessage> history = sessions.history(sessionId);
    if (history.isEmpty()) {
      return summaries.summarize(caller, sessionId); // refused (409) before any model call
    }
    try (CallReservations.Call call =
        reserve(caller, () -> prompt(history, ChatModel.SUMMARY_INSTRUCTION))) {
      call.dispatched();
      SummaryService.Summary s = summaries.summarize(caller, sessionId);
      call.settle(s.model(), s.usage());
      return s;
    }
  }

  private CallReservations.Call reserve(
      Caller caller, java.util.function.Supplier<List<ChatMessage>> prompt) {
    return reservations.reserve(
        UUID.randomUUID().toString(),
        caller.subject(),
        model.name(),
        () -> tokens.countPrompt(prompt.get()),
        OptionalLong.empty());
  }

  private static List<ChatMessage> prompt(List<ChatMessage> history, String message) {
    List<ChatMessage> prompt = new ArrayList<>(history);
    prompt.add(ChatMessage.user(message));
    return prompt;
  }

  private void allowed(Caller caller) {
    if (caller.isAnonymous() && !anonymousChat) {
      throw ApiException.unauthorized(
          "chat without an API key is off on this server: send 'Authorization: Bearer <api key>'");
    }
  }

  private static String validSession(String id) {
    if (!id.matches("[A-Za-z0-9_-]{1,128}")) {
      throw ApiException.badRequest(
          "sessionId must be 1 to 128 letters, digits, '-' or '_', was '"
              + (id.length() > 140 ? id.substring(0, 140) + "..." : id)
              + "'");
    }
    return id;
  }
}
