package dev.tally.server.chat;

import dev.tally.core.UsageReportable;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.server.auth.Caller;
import dev.tally.server.model.ChatCompletion;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.ChatModel;
import dev.tally.server.model.ChatModelException;
import dev.tally.server.web.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Summarizes a session (the event-driven style): it publishes {@link SummaryCreated} or {@link
 * SummaryFailed} through Spring's {@link ApplicationEventPublisher}. Both implement {@link
 * UsageReportable}, so the starter's bridge tracks them as operation {@code summary}; this class
 * never touches the tracker.
 */
@Service
public class SummaryService {
  static final String OPERATION = "summary";

  private final ChatModel model;
  private final SessionStore sessions;
  private final ApplicationEventPublisher events;
  private final Clock clock;

  public SummaryService(
      ChatModel model, SessionStore sessions, ApplicationEventPublisher events, Clock clock) {
    this.model = model;
    this.sessions = sessions;
    this.events = events;
    this.clock = clock;
  }

  /** A summary and its usage. */
  public record Summary(
      String text, String sessionId, String model, TokenUsage usage, Instant startedAt) {}

  /** Published when a summary was made. */
  public record SummaryCreated(
      String subject,
      @Nullable String email,
      String sessionId,
      String model,
      String provider,
      TokenUsage usage,
      Instant startedAt,
      Duration duration)
      implements UsageReportable {
    @Override
    public String usageOperation() {
      return OPERATION;
    }

    @Override
    public void describeUsage(UsageEvent.Builder usage) {
      usage
          .occurredAt(startedAt)
          .duration(duration)
          .subject(subject)
          .userEmail(email)
          .sessionId(sessionId)
          .model(model)
          .provider(provider)
          .tokens(this.usage)
          .success();
    }
  }

  /** Published when the model failed to summarize. */
  public record SummaryFailed(
      String subject,
      @Nullable String email,
      String sessionId,
      String model,
      String provider,
      ErrorInfo error,
      Instant startedAt,
      Duration duration)
      implements UsageReportable {
    @Override
    public String usageOperation() {
      return OPERATION;
    }

    @Override
    public void describeUsage(UsageEvent.Builder usage) {
      usage
          .occurredAt(startedAt)
          .duration(duration)
          .subject(subject)
          .userEmail(email)
          .sessionId(sessionId)
          .model(model)
          .provider(provider)
          .tokens(TokenUsage.missing())
          .failure(error);
    }
  }

  /**
   * @throws ApiException 404 when the session is not the caller's, 409 when it has no messages
   * @throws ChatModelException when the model fails
   */
  public Summary summarize(Caller caller, String sessionId) {
    Instant startedAt = clock.instant();
    sessions.requireOwner(sessionId, caller.subject());
    List<ChatMessage> conversation = sessions.history(sessionId);
    if (conversation.isEmpty()) {
      throw new ApiException(
          HttpStatus.CONFLICT, "session '" + sessionId + "' has no messages to summarize");
    }
    ChatCompletion completion;
    try {
      completion = model.summarize(conversation);
    } catch (ChatModelException e) {
      events.publishEvent(
          new SummaryFailed(
              caller.subject(),
              caller.email(),
              sessionId,
              model.name(),
              model.provider(),
              ErrorInfo.of(e),
              startedAt,
              elapsedSince(startedAt)));
      throw e;
    }
    events.publishEvent(
        new SummaryCreated(
            caller.subject(),
            caller.email(),
            sessionId,
            completion.model(),
            model.provider(),
            completion.usage(),
            startedAt,
            elapsedSince(startedAt)));
    return new Summary(
        completion.text(), sessionId, completion.model(), completion.usage(), startedAt);
  }

  private Duration elapsedSince(Instant start) {
    Duration d = Duration.between(start, clock.instant());
    return d.isNegative() ? Duration.ZERO : d;
  }
}
