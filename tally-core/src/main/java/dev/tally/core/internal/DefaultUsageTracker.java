package dev.tally.core.internal;

import dev.tally.core.CaptureMode;
import dev.tally.core.ContentCapture;
import dev.tally.core.ResultMapper;
import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The tracker behind {@link UsageTracker#builder}. */
public final class DefaultUsageTracker implements UsageTracker {
  private static final Logger log = LoggerFactory.getLogger(DefaultUsageTracker.class);

  public static final UsageTracker NOOP = new NoopTracker();

  /**
   * Characters of prompt and delivered text that streams finished later (see {@link
   * TrackedStream.Settings}) may hold at once: 4 Mi characters, 8 MB. Past it streams are finished
   * on the thread that ends them, so a stalled worker never makes the tracker hold unbounded text.
   */
  public static final long DEFAULT_MAX_PENDING_CHARS = 4L * 1024 * 1024;

  private final Consumer<UsageEvent> destination;
  private final Clock clock;
  private final ContentCapture capture;
  private final Supplier<@Nullable String> traceIds;
  private final OnceLogger failures = new OnceLogger(log);
  private final LongAdder invalid = new LongAdder();
  private final TrackedStream.Settings streams;

  /**
   * A tracker handing finished events to {@code destination}, and streams whose tokens must be
   * estimated to {@code later} when not null (to be finished off the ending thread), holding at
   * most {@code maxPendingChars} of their text at once.
   */
  public DefaultUsageTracker(
      Consumer<UsageEvent> destination,
      @Nullable Consumer<Supplier<UsageEvent>> later,
      long maxPendingChars,
      Clock clock,
      ContentCapture capture,
      Supplier<@Nullable String> traceIds,
      TokenEstimator estimator,
      int streamTextLimit) {
    this.destination = destination;
    this.clock = clock;
    this.capture = capture;
    this.traceIds = traceIds;
    this.streams =
        new TrackedStream.Settings(
            this::track,
            later,
            this::prepare,
            new AtomicLong(),
            maxPendingChars,
            clock,
            estimator,
            capture.mode() == CaptureMode.FULL,
            streamTextLimit,
            failures,
            invalid);
  }

  @Override
  public void track(UsageEvent event) {
    try {
      destination.accept(prepare(event));
    } catch (RuntimeException e) {
      failures.failure("track", "Tally: could not hand over a usage event", e);
    }
  }

  /** What every event goes through before it leaves: the content capture. */
  private UsageEvent prepare(UsageEvent event) {
    ContentSummary content = event.content();
    ContentSummary allowed = capture.apply(content);
    return allowed.equals(content) ? event : event.withContent(allowed);
  }

  @Override
  public UsageEvent.Builder event(String operation) {
    return UsageEvent.builder(operation, clock).traceId(currentTraceId());
  }

  @Override
  public UsageOperation start(String operation) {
    return new Operation(operation, clock.instant(), currentTraceId());
  }

  @Override
  public UsageStream startStream(String operation, UsageContext context) {
    return new TrackedStream(
        streams, operation, context == null ? UsageContext.anonymous() : context, currentTraceId());
  }

  @Override
  public <T extends @Nullable Object, E extends Throwable> T call(
      String operation, UsageContext context, Body<T, E> body, ResultMapper<? super T> mapper)
      throws E {
    return start(operation).context(context).call(body, mapper);
  }

  @Override
  public <T extends @Nullable Object, E extends Throwable> @Nullable CompletionStage<T> callAsync(
      String operation,
      UsageContext context,
      Body<? extends @Nullable CompletionStage<T>, E> body,
      ResultMapper<? super T> mapper)
      throws E {
    return start(operation).context(context).callAsync(body, mapper);
  }

  @Override
  public boolean isEnabled() {
    return true;
  }

  @Override
  public long invalidEvents() {
    return invalid.sum();
  }

  private @Nullable String currentTraceId() {
    try {
      String id = traceIds.get();
      return id == null || id.isBlank() ? null : id;
    } catch (RuntimeException e) {
      failures.failure("trace-id", "Tally: the trace id supplier threw; no trace id recorded", e);
      return null;
    }
  }

  private final class Operation implements UsageOperation {
    private final String operation;
    private final Instant startedAt;
    private final AtomicBoolean ended = new AtomicBoolean();
    private @Nullable String traceId;
    private @Nullable String id;
    private @Nullable String subject;
    private @Nullable String userEmail;
    private @Nullable String sessionId;
    private @Nullable String tenant;
    private @Nullable String model;
    private @Nullable String provider;
    private @Nullable Map<String, String> attributes;
    private ContentSummary content = ContentSummary.none();

    Operation(String operation, Instant startedAt, @Nullable String traceId) {
      this.operation = operation;
      this.startedAt = startedAt;
      this.traceId = traceId;
    }

    @Override
    public UsageOperation subject(@Nullable String value) {
      this.subject = value;
      return this;
    }

    @Override
    public UsageOperation userEmail(@Nullable String value) {
      this.userEmail = value;
      return this;
    }

    @Override
    public UsageOperation sessionId(@Nullable String value) {
      this.sessionId = value;
      return this;
    }

    @Override
    public UsageOperation tenant(@Nullable String value) {
      this.tenant = value;
      return this;
    }

    @Override
    public UsageOperation model(@Nullable String value) {
      this.model = value;
      return this;
    }

    @Override
    public UsageOperation provider(@Nullable String value) {
      this.provider = value;
      return this;
    }

    @Override
    public UsageOperation attribute(String key, String value) {
      if (attributes == null) {
        attributes = new LinkedHashMap<>();
      }
      attributes.put(key, value);
      return this;
    }

    @Override
    public UsageOperation content(ContentSummary value) {
      this.content = value;
      return this;
    }

    @Override
    public UsageOperation id(String operationId) {
      this.id = operationId;
      return this;
    }

    @Override
    public UsageOperation context(UsageContext context) {
      subject = context.subject();
      userEmail = context.userEmail();
      sessionId = context.sessionId();
      tenant = context.tenant();
      model = context.model();
      provider = context.provider();
      context.attributes().forEach(this::attribute);
      return this;
    }

    @Override
    public Duration elapsed() {
      return Elapsed.between(startedAt, clock.instant());
    }

    @Override
    public boolean success(TokenUsage tokens) {
      return end(tokens, null, false);
    }

    @Override
    public <T extends @Nullable Object> boolean success(T result, ResultMapper<? super T> mapper) {
      if (ended.get()) {
        return false;
      }
      Description read = new Description();
      try {
        mapper.describe(result, read);
      } catch (RuntimeException e) {
        failures.failure(
            "mapper-" + operation,
            "Tally: reading the result of '"
                + operation
                + "' failed; what it did not set is recorded as missing",
            e);
      }
      return end(read.tokens, null, false);
    }

    @Override
    public boolean failure(ErrorInfo error, TokenUsage tokens) {
      return end(tokens, error == null ? new ErrorInfo("unknown", null) : error, false);
    }

    @Override
    public boolean cancel() {
      return end(TokenUsage.missing(), null, true);
    }

    /** What a {@link ResultMapper} says, applied to this operation as it is said. */
    private final class Description implements ResultMapper.Description {
      private TokenUsage tokens = TokenUsage.missing();

      @Override
      public ResultMapper.Description tokens(@Nullable TokenUsage value) {
        tokens = value == null ? TokenUsage.missing() : value;
        return this;
      }

      @Override
      public ResultMapper.Description model(@Nullable String value) {
        if (value != null) {
          Operation.this.model(value);
        }
        return this;
      }

      @Override
      public ResultMapper.Description attribute(String key, String value) {
        Operation.this.attribute(key, value);
        return this;
      }
    }

    private boolean end(TokenUsage tokens, @Nullable ErrorInfo error, boolean cancelled) {
      if (!ended.compareAndSet(false, true)) {
        log.debug("Tally: operation '{}' ended twice; the second end is ignored", operation);
        return false;
      }
      try {
        UsageEvent.Builder b =
            UsageEvent.builder(operation, clock)
                .occurredAt(startedAt)
                .subject(subject)
                .userEmail(userEmail)
                .sessionId(sessionId)
                .tenant(tenant)
                .model(model)
                .provider(provider)
                .tokens(tokens == null ? TokenUsage.missing() : tokens)
                .duration(elapsed())
                .traceId(traceId)
                .content(content);
        if (id != null) {
          b.id(id);
        }
        if (attributes != null) {
          b.attributes(attributes);
        }
        if (error != null) {
          b.failure(error);
        } else if (cancelled) {
          b.cancelled();
        }
        track(b.build());
      } catch (RuntimeException e) {
        invalid.increment();
        failures.failure(
            "invalid-" + operation,
            "Tally: operation '" + operation + "' could not be tracked: " + e.getMessage());
      }
      return true;
    }
  }

  private static final class NoopTracker implements UsageTracker {
    @Override
    public void track(UsageEvent event) {}

    @Override
    public UsageEvent.Builder event(String operation) {
      return UsageEvent.builder(operation);
    }

    @Override
    public UsageOperation start(String operation) {
      return NoopOperation.INSTANCE;
    }

    @Override
    public UsageStream startStream(String operation, UsageContext context) {
      return NoopStream.INSTANCE;
    }

    @Override
    public <T extends @Nullable Object, E extends Throwable> T call(
        String operation, UsageContext context, Body<T, E> body, ResultMapper<? super T> mapper)
        throws E {
      return body.get();
    }

    @Override
    public <T extends @Nullable Object, E extends Throwable> @Nullable CompletionStage<T> callAsync(
        String operation,
        UsageContext context,
        Body<? extends @Nullable CompletionStage<T>, E> body,
        ResultMapper<? super T> mapper)
        throws E {
      return body.get();
    }

    @Override
    public boolean isEnabled() {
      return false;
    }
  }

  private enum NoopOperation implements UsageOperation {
    INSTANCE;

    @Override
    public UsageOperation subject(@Nullable String subject) {
      return this;
    }

    @Override
    public UsageOperation userEmail(@Nullable String email) {
      return this;
    }

    @Override
    public UsageOperation sessionId(@Nullable String sessionId) {
      return this;
    }

    @Override
    public UsageOperation tenant(@Nullable String tenant) {
      return this;
    }

    @Override
    public UsageOperation model(@Nullable String model) {
      return this;
    }

    @Override
    public UsageOperation provider(@Nullable String provider) {
      return this;
    }

    @Override
    public UsageOperation attribute(String key, String value) {
      return this;
    }

    @Override
    public UsageOperation content(ContentSummary content) {
      return this;
    }

    @Override
    public UsageOperation id(String operationId) {
      return this;
    }

    @Override
    public UsageOperation context(UsageContext context) {
      return this;
    }

    @Override
    public Duration elapsed() {
      return Duration.ZERO;
    }

    @Override
    public boolean success(TokenUsage tokens) {
      return false;
    }

    @Override
    public <T extends @Nullable Object> boolean success(T result, ResultMapper<? super T> mapper) {
      return false;
    }

    @Override
    public boolean failure(ErrorInfo error, TokenUsage tokens) {
      return false;
    }

    @Override
    public boolean cancel() {
      return false;
    }
  }
}
