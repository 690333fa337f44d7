package dev.tally.core;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.DefaultUsageTracker;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.internal.TrackedStream;
import dev.tally.core.pipeline.UsagePipeline;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The service layer of usage tracking. Inject it where operations happen and tell it what happened;
 * it never blocks on I/O and never throws for runtime trouble (a full queue, a store that is down).
 * Three ways to use it:
 *
 * <pre>{@code
 * // 1. a finished event
 * tracker.track(tracker.event("chat").subject("alice").tokens(TokenUsage.reported(12, 40)).build());
 *
 * // 2. timing: start, then end once
 * UsageOperation op = tracker.start("chat").subject("alice").sessionId(sessionId);
 * try {
 *   Reply reply = model.chat(message);
 *   op.model(reply.model()).success(reply.usage());
 * } catch (RuntimeException e) {
 *   op.failure(e);
 *   throw e;
 * }
 *
 * // 3. a decorator: the result or exception passes through untouched
 * Reply reply = tracker.call("chat", UsageContext.of("alice"), () -> model.chat(message), Reply::usage);
 * // ... reading the exact model and attributes from the result as well
 * Reply reply = tracker.call("chat", UsageContext.of("alice"), () -> model.chat(message),
 *     (r, usage) -> usage.model(r.model()).tokens(r.usage()));
 * }</pre>
 */
public interface UsageTracker {

  /**
   * Hands a finished event over and returns at once. Applies the content-capture policy first, so
   * text is dropped unless capture is on. Never throws.
   */
  void track(UsageEvent event);

  /** A builder stamped by this tracker's clock (and trace id, when one is current). */
  UsageEvent.Builder event(String operation);

  /**
   * Starts timing an operation now. End it with {@link UsageOperation#success} or {@link
   * UsageOperation#failure}.
   */
  UsageOperation start(String operation);

  /**
   * Starts a streamed operation now: an answer delivered in chunks (SSE, a {@code Flux}). Feed the
   * returned stream what was delivered and the provider's usage, then end it once; it records one
   * event, exactly once, whatever ends it first. See {@link UsageStream}.
   *
   * <p>The default implementation, for trackers other than the built-in ones, times with the system
   * UTC clock and estimates with {@link TokenEstimator#charsPerToken()}.
   */
  default UsageStream startStream(String operation, UsageContext context) {
    return new TrackedStream(
        new TrackedStream.Settings(
            this::track,
            null,
            event -> event,
            new AtomicLong(),
            0,
            Clock.systemUTC(),
            TokenEstimator.charsPerToken(),
            true,
            Builder.DEFAULT_STREAM_TEXT_LIMIT,
            new OnceLogger(LoggerFactory.getLogger(UsageTracker.class)),
            new LongAdder()),
        operation,
        context == null ? UsageContext.anonymous() : context,
        null);
  }

  /**
   * Runs {@code body} and tracks it. On success {@code mapper} reads the result: its tokens, the
   * exact model and attributes (a mapper that throws is logged and counted; what it did not set is
   * recorded as missing). The body's result or exception reaches the caller unchanged.
   */
  <T extends @Nullable Object, E extends Throwable> T call(
      String operation, UsageContext context, Body<T, E> body, ResultMapper<? super T> mapper)
      throws E;

  /**
   * {@link #call(String, UsageContext, Body, ResultMapper)} reading only the tokens: on success
   * {@code usage} maps the result to token usage.
   */
  default <T extends @Nullable Object, E extends Throwable> T call(
      String operation,
      UsageContext context,
      Body<T, E> body,
      Function<? super T, TokenUsage> usage)
      throws E {
    return call(operation, context, body, ResultMapper.tokens(usage));
  }

  /** {@link #call} without a result to read usage from. */
  default <E extends Throwable> void run(String operation, UsageContext context, VoidBody<E> body)
      throws E {
    call(
        operation,
        context,
        () -> {
          body.run();
          return null;
        },
        ResultMapper.none());
  }

  /**
   * Calls {@code body} and tracks the stage it returns when it completes; {@code mapper} reads the
   * stage's value as for {@link #call(String, UsageContext, Body, ResultMapper)}. The same stage is
   * returned, untouched. A null stage is passed through and tracked as a success with unknown usage
   * (attribute {@code tally.null_result=true}); a body that throws is tracked as a failure and the
   * exception rethrown.
   */
  <T extends @Nullable Object, E extends Throwable> @Nullable CompletionStage<T> callAsync(
      String operation,
      UsageContext context,
      Body<? extends @Nullable CompletionStage<T>, E> body,
      ResultMapper<? super T> mapper)
      throws E;

  /** {@link #callAsync(String, UsageContext, Body, ResultMapper)} reading only the tokens. */
  default <T extends @Nullable Object> @Nullable CompletionStage<T> callAsync(
      String operation,
      UsageContext context,
      Supplier<? extends @Nullable CompletionStage<T>> body,
      Function<? super T, TokenUsage> usage) {
    return callAsync(operation, context, body::get, ResultMapper.tokens(usage));
  }

  /** Whether tracking is on. A disabled tracker runs bodies and tracks nothing. */
  boolean isEnabled();

  /** Events that could not be tracked because a value was invalid (logged at WARN once). */
  default long invalidEvents() {
    return 0;
  }

  /** A tracker that tracks nothing. Bodies still run. */
  static UsageTracker noop() {
    return DefaultUsageTracker.NOOP;
  }

  /** A tracker that submits to a pipeline. */
  static Builder builder(UsagePipeline pipeline) {
    Objects.requireNonNull(pipeline, "pipeline must not be null");
    return new Builder(pipeline::submit, pipeline::submitLater);
  }

  /**
   * A tracker that hands events to {@code destination}, for example a test recorder. The
   * destination must not block.
   */
  static Builder builder(Consumer<UsageEvent> destination) {
    return new Builder(Objects.requireNonNull(destination, "destination must not be null"), null);
  }

  /** The work of {@link #call}. */
  @FunctionalInterface
  interface Body<T extends @Nullable Object, E extends Throwable> {
    T get() throws E;
  }

  /** The work of {@link #run}. */
  @FunctionalInterface
  interface VoidBody<E extends Throwable> {
    void run() throws E;
  }

  /**
   * Builds a tracker. Defaults: enabled, the system UTC clock, capture of lengths only, no trace
   * ids, {@link TokenEstimator#charsPerToken()} for streams, {@link #DEFAULT_STREAM_TEXT_LIMIT}.
   */
  final class Builder {
    /**
     * Characters of a stream's delivered text held in memory for the estimate (and for capture);
     * past it the estimate scales by length. 256 Ki characters: far above a typical answer.
     */
    public static final int DEFAULT_STREAM_TEXT_LIMIT = 256 * 1024;

    private final Consumer<UsageEvent> destination;
    private final @Nullable Consumer<Supplier<UsageEvent>> later;
    private TokenEstimator estimator = TokenEstimator.charsPerToken();
    private int streamTextLimit = DEFAULT_STREAM_TEXT_LIMIT;
    private Clock clock = Clock.systemUTC();
    private boolean enabled = true;
    private ContentCapture capture = ContentCapture.lengthsOnly();
    private Supplier<@Nullable String> traceIds = () -> null;

    private Builder(
        Consumer<UsageEvent> destination, @Nullable Consumer<Supplier<UsageEvent>> later) {
      this.destination = destination;
      this.later = later;
    }

    /** The clock for timestamps and durations. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /** False builds a tracker that tracks nothing. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** What of message and response text is kept. Default {@link ContentCapture#lengthsOnly()}. */
    public Builder contentCapture(ContentCapture capture) {
      this.capture = Objects.requireNonNull(capture, "contentCapture must not be null");
      return this;
    }

    /**
     * Supplies the current trace id on the calling thread (for example from OpenTelemetry), or
     * null. Called when an operation starts; a supplier that throws is ignored.
     */
    public Builder traceIdSupplier(Supplier<@Nullable String> traceIds) {
      this.traceIds = Objects.requireNonNull(traceIds, "traceIdSupplier must not be null");
      return this;
    }

    /**
     * Counts tokens of streams that end without provider usage. Default {@link
     * TokenEstimator#charsPerToken()}; use {@code tally-llm}'s {@code JtokkitTokenEstimator} for a
     * real tokenizer.
     */
    public Builder tokenEstimator(TokenEstimator estimator) {
      this.estimator = Objects.requireNonNull(estimator, "tokenEstimator must not be null");
      return this;
    }

    /** See {@link #DEFAULT_STREAM_TEXT_LIMIT}. */
    public Builder streamTextLimit(int characters) {
      if (characters <= 0) {
        throw new IllegalArgumentException("streamTextLimit must be > 0, was " + characters);
      }
      this.streamTextLimit = characters;
      return this;
    }

    public UsageTracker build() {
      return enabled
          ? new DefaultUsageTracker(
              destination,
              later,
              DefaultUsageTracker.DEFAULT_MAX_PENDING_CHARS,
              clock,
              capture,
              traceIds,
              estimator,
              streamTextLimit)
          : noop();
    }
  }
}
