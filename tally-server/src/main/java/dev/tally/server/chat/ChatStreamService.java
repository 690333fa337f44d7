package dev.tally.server.chat;

import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.server.auth.Caller;
import dev.tally.server.budget.CallReservations;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.ChatModel;
import dev.tally.server.model.ChatModelException;
import dev.tally.server.model.ChatModelTimeoutException;
import dev.tally.server.model.TokenCounter;
import dev.tally.server.web.ApiException;
import dev.tally.server.web.Problems;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A streamed chat: the answer goes to the client as server-sent events while the model generates
 * it, on a bounded pool of stream threads (the request thread returns at once). The events:
 *
 * <ul>
 *   <li>{@code delta}: {@code {"text": "..."}}, one per piece of the answer;
 *   <li>{@code usage}: {@code {"sessionId", "model", "usage"}} with the usage in the shape of a
 *       plain chat's {@code usage}, priced with the same catalog as the ledger;
 *   <li>{@code done}: {@code {"sessionId"}}, the last event of a stream that completed;
 *   <li>{@code error}: a problem ({@code type, title, status, detail}), the last event of a stream
 *       that failed (the provider failed or timed out, or a blocking budget was crossed).
 * </ul>
 *
 * <p>Each stream is one usage event, recorded by the tracker's {@link UsageStream} exactly once:
 * completed, failed with the partial tokens, or {@code CANCELLED} when the client left (detected
 * when a write to it fails, at the next piece of the answer; the model then closes its upstream
 * call). The session keeps what was actually delivered.
 *
 * <p><b>Budgets.</b> The blocking budget check before the stream is the one of every chat request
 * ({@code BudgetEnforcement}). While the stream runs, every {@value #DEFAULT_BUDGET_CHECK_DELTAS}
 * deltas its tokens so far ({@link UsageStream#tokens()}, priced with the catalog for a cost
 * budget) are compared with what each blocking budget had left when the stream started; a stream
 * that reaches it ends with an {@code error} event naming the budget. A stream therefore overshoots
 * by at most the output of {@value #DEFAULT_BUDGET_CHECK_DELTAS} deltas, on top of the bound of
 * {@link dev.tally.core.budget.BudgetGuard} for requests running at the same time.
 *
 * <p>With fleet-wide reservations on ({@link CallReservations}), the stream's estimate (prompt plus
 * the default output cap) is reserved on the request thread before it starts (429 or 503 as a plain
 * answer, no stream), and settled with the stream's recorded tokens when it ends: completed,
 * failed, or cancelled with what it used; released when the model was never called.
 */
@Service
public class ChatStreamService implements DisposableBean {
  /** Streams answered at the same time; more wait in the queue. */
  public static final int DEFAULT_STREAM_THREADS = 32;

  /** Streams waiting for a thread; past this a streamed chat is refused with 503. */
  public static final int DEFAULT_STREAM_QUEUE = 32;

  /** How many deltas pass between two budget checks of a running stream. */
  public static final int DEFAULT_BUDGET_CHECK_DELTAS = 8;

  /** Longest a stream may last before the server ends it, in milliseconds. */
  public static final long DEFAULT_STREAM_TIMEOUT_MS = 10 * 60 * 1000L;

  private static final Logger log = LoggerFactory.getLogger(ChatStreamService.class);

  private final ChatModel model;
  private final SessionStore sessions;
  private final UsageTracker tracker;
  private final TokenCounter tokens;
  private final PriceCatalog prices;
  private final ObjectProvider<BudgetEvaluator> budgets;
  private final CallReservations reservations;
  private final Clock clock;
  private final ThreadPoolExecutor executor;

  public ChatStreamService(
      ChatModel model,
      SessionStore sessions,
      UsageTracker tracker,
      TokenCounter tokens,
      PriceCatalog prices,
      ObjectProvider<BudgetEvaluator> budgets,
      CallReservations reservations,
      Clock clock) {
    this.model = model;
    this.sessions = sessions;
    this.tracker = tracker;
    this.tokens = tokens;
    this.prices = prices;
    this.budgets = budgets;
    this.reservations = reservations;
    this.clock = clock;
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            DEFAULT_STREAM_THREADS,
            DEFAULT_STREAM_THREADS,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(DEFAULT_STREAM_QUEUE),
            r -> {
              Thread t = new Thread(r, "tally-chat-stream-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.executor.allowCoreThreadTimeOut(true);
  }

  /**
   * Starts a streamed answer in an existing session of the caller.
   *
   * @param fresh whether the session was created for this request (it is deleted again when nothing
   *     was delivered)
   * @throws ApiException 404 when the session is not the caller's, 503 when all stream threads and
   *     the queue are busy
   */
  public SseEmitter stream(Caller caller, String sessionId, boolean fresh, String message) {
    sessions.requireOwner(sessionId, caller.subject());
    List<ChatMessage> prompt = new ArrayList<>(sessions.history(sessionId));
    prompt.add(ChatMessage.user(message));
    CallReservations.Call call =
        reservations.reserve(
            UUID.randomUUID().toString(),
            caller.subject(),
            model.name(),
            () -> tokens.countPrompt(prompt),
            OptionalLong.empty());
    SseEmitter emitter = new SseEmitter(DEFAULT_STREAM_TIMEOUT_MS);
    AtomicBoolean gone = new AtomicBoolean();
    emitter.onError(e -> gone.set(true));
    emitter.onTimeout(() -> gone.set(true));
    Run run = new Run(caller, sessionId, fresh, message, prompt, emitter, gone, call);
    try {
      executor.execute(run);
    } catch (RejectedExecutionException e) {
      call.close(); // never reached the model: released
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE, "too many streamed chats at once; try again shortly");
    }
    return emitter;
  }

  @Override
  public void destroy() {
    executor.shutdownNow();
  }

  /** The client left: a write to it failed or the container said so. */
  private static final class ClientGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClientGone(String message) {
      super(message, null, false, false);
    }
  }

  private final class Run implements Runnable {
    private final Caller caller;
    private final String sessionId;
    private final boolean fresh;
    private final String message;
    private final List<ChatMessage> prompt;
    private final SseEmitter emitter;
    private final AtomicBoolean gone;
    private final CallReservations.Call call;
    private final StringBuilder delivered = new StringBuilder();

    Run(
        Caller caller,
        String sessionId,
        boolean fresh,
        String message,
        List<ChatMessage> prompt,
        SseEmitter emitter,
        AtomicBoolean gone,
        CallReservations.Call call) {
      this.caller = caller;
      this.sessionId = sessionId;
      this.fresh = fresh;
      this.message = message;
      this.prompt = prompt;
      this.emitter = emitter;
      this.gone = gone;
      this.call = call;
    }

    @Override
    public void run() {
      try {
        answer();
      } finally {
        call.close(); // a no-op when the usage stream settled it
      }
    }

    private void answer() {
      Instant startedAt = clock.instant();
      UsageContext context =
          UsageContext.of(caller.subject())
              .withUserEmail(caller.email())
              .withSessionId(sessionId)
              .withModel(model.name())
              .withProvider(model.provider());
      try (UsageStream usage = call.watch(tracker.startStream("chat", context))) {
        usage.promptTokens(tokens.countPrompt(prompt));
        StreamBudget budget =
            StreamBudget.start(budgets.getIfAvailable(), caller.subject(), prices, clock);
        AtomicInteger deltas = new AtomicInteger();
        String[] answeredBy = {model.name()};
        try {
          call.dispatched();
          answeredBy[0] =
              model.stream(
                  prompt,
                  usage,
                  text -> {
                    if (gone.get()) {
                      throw new ClientGone("the client left");
                    }
                    usage.delivered(text);
                    send("delta", Map.of("text", text));
                    delivered.append(text);
                    if (deltas.incrementAndGet() % DEFAULT_BUDGET_CHECK_DELTAS == 0) {
                      budget.check(usage.tokens(), answeredBy[0]);
                    }
                  });
          usage.complete();
          TokenUsage recorded = usage.tokens();
          keepHistory();
          Map<String, Object> summary = new LinkedHashMap<>();
          summary.put("sessionId", sessionId);
          summary.put("model", answeredBy[0]);
          summary.put("usage", UsageView.of(recorded, answeredBy[0], startedAt, prices));
          send("usage", summary);
          send("done", Map.of("sessionId", sessionId));
          emitter.complete();
        } catch (ClientGone e) {
          usage.cancel();
          keepHistory();
          emitter.complete();
        } catch (StreamBudget.Crossed e) {
          usage.fail(e.refusal());
          end(HttpStatus.TOO_MANY_REQUESTS, e.getMessage(), e.budgetId());
        } catch (ChatModelTimeoutException e) {
          usage.fail(e);
          end(HttpStatus.GATEWAY_TIMEOUT, e.getMessage(), null);
        } catch (ChatModelException e) {
          usage.fail(e);
          end(HttpStatus.BAD_GATEWAY, e.getMessage(), null);
        } catch (RuntimeException e) {
          usage.fail(e);
          log.error("streamed chat failed", e);
          end(HttpStatus.INTERNAL_SERVER_ERROR, null, null);
        }
      } catch (RuntimeException e) {
        log.error("streamed chat failed after its end", e);
        emitter.complete();
      }
    }

    /** Ends a failed stream with an {@code error} event, unless the client is gone. */
    private void end(HttpStatus status, @Nullable String detail, @Nullable String budgetId) {
      keepHistory();
      Map<String, Object> problem =
          Problems.body(status, status == HttpStatus.INTERNAL_SERVER_ERROR ? null : detail, null);
      if (budgetId != null) {
        problem.put("budgetId", budgetId);
      }
      try {
        send("error", problem);
      } catch (ClientGone ignored) {
        // nobody to tell
      }
      emitter.complete();
    }

    private void send(String name, Object data) {
      try {
        emitter.send(SseEmitter.event().name(name).data(data, MediaType.APPLICATION_JSON));
      } catch (IOException | IllegalStateException e) {
        gone.set(true);
        throw new ClientGone("the client left: " + e.getMessage());
      }
    }

    /** The exchange as far as it was delivered; a new session with nothing in it is removed. */
    private void keepHistory() {
      try {
        if (delivered.isEmpty()) {
          if (fresh) {
            sessions.delete(sessionId, caller.subject());
          }
          return;
        }
        sessions.append(
            sessionId,
            List.of(ChatMessage.user(message), ChatMessage.assistant(delivered.toString())));
      } catch (RuntimeException e) {
        log.warn("could not keep the history of session {}", sessionId, e);
      }
    }
  }
}
