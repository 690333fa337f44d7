package dev.tally.core.internal;

import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageStream;
import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream behind {@link dev.tally.core.UsageTracker#startStream}. Ending is decided by one CAS
 * on {@code ended}, so exactly one of any number of concurrent ends records the event; feeding and
 * the final read of what was fed share one lock, uncontended in the usual case of one relaying
 * thread. Nothing is tokenized before the end.
 */
public final class TrackedStream implements UsageStream {
  private static final Logger log = LoggerFactory.getLogger(TrackedStream.class);

  /** How the tracker that starts streams is configured. */
  public record Settings(
      Consumer<UsageEvent> destination,
      Clock clock,
      TokenEstimator estimator,
      boolean keepText,
      int textLimit,
      OnceLogger failures,
      LongAdder invalid) {}

  private final Settings settings;
  private final String operation;
  private final UsageContext context;
  private final Instant startedAt;
  private final @Nullable String traceId;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Object lock = new Object();

  // Guarded by lock.
  private @Nullable String id;
  private @Nullable String model;
  private @Nullable Map<String, String> attributes;
  private @Nullable String prompt;
  private long promptTokens = -1;
  private @Nullable StringBuilder text;
  private long deliveredChars;
  private long deliveredTokens;
  private long chunks;
  private @Nullable Instant firstChunkAt;
  private @Nullable TokenUsage finalUsage;
  private @Nullable TokenUsage partialUsage;
  private @Nullable TokenUsage recorded;

  public TrackedStream(
      Settings settings, String operation, UsageContext context, @Nullable String traceId) {
    this.settings = settings;
    this.operation = operation;
    this.context = context;
    this.traceId = traceId;
    this.model = context.model();
    this.startedAt = settings.clock().instant();
  }

  @Override
  public UsageStream prompt(CharSequence value) {
    synchronized (lock) {
      prompt = value == null ? null : value.toString();
    }
    return this;
  }

  @Override
  public UsageStream promptTokens(long tokens) {
    synchronized (lock) {
      promptTokens = tokens < 0 ? -1 : tokens;
    }
    return this;
  }

  @Override
  public UsageStream id(String operationId) {
    synchronized (lock) {
      id = operationId;
    }
    return this;
  }

  @Override
  public UsageStream model(@Nullable String value) {
    if (value != null && !value.isBlank()) {
      synchronized (lock) {
        model = value;
      }
    }
    return this;
  }

  @Override
  public UsageStream attribute(String key, String value) {
    synchronized (lock) {
      if (attributes == null) {
        attributes = new LinkedHashMap<>();
      }
      attributes.put(key, value);
    }
    return this;
  }

  @Override
  public UsageStream delivered(CharSequence chunk) {
    if (chunk == null || chunk.length() == 0 || ended.get()) {
      return this;
    }
    synchronized (lock) {
      firstChunk();
      deliveredChars += chunk.length();
      StringBuilder buffer = text;
      if (buffer == null) {
        buffer = text = new StringBuilder(Math.min(settings.textLimit(), 256));
      }
      int room = settings.textLimit() - buffer.length();
      if (room > 0) {
        buffer.append(chunk, 0, Math.min(room, chunk.length()));
      }
    }
    return this;
  }

  @Override
  public UsageStream deliveredTokens(long tokens) {
    if (tokens <= 0 || ended.get()) {
      return this;
    }
    synchronized (lock) {
      firstChunk();
      deliveredTokens += tokens;
    }
    return this;
  }

  private void firstChunk() {
    chunks++;
    if (firstChunkAt == null) {
      firstChunkAt = settings.clock().instant();
    }
  }

  @Override
  public UsageStream usage(TokenUsage usage) {
    if (usage != null && usage.source() != UsageSource.MISSING) {
      synchronized (lock) {
        finalUsage = usage;
      }
    }
    return this;
  }

  @Override
  public UsageStream partialUsage(TokenUsage usage) {
    if (usage != null && usage.source() != UsageSource.MISSING) {
      synchronized (lock) {
        partialUsage = usage;
      }
    }
    return this;
  }

  @Override
  public boolean complete() {
    return end(Outcome.SUCCESS, null);
  }

  @Override
  public boolean fail(Throwable error) {
    return end(Outcome.ERROR, error == null ? new ErrorInfo("unknown", null) : ErrorInfo.of(error));
  }

  @Override
  public boolean fail(ErrorInfo error) {
    return end(Outcome.ERROR, error == null ? new ErrorInfo("unknown", null) : error);
  }

  @Override
  public boolean cancel() {
    return end(Outcome.CANCELLED, null);
  }

  @Override
  public TokenUsage tokens() {
    synchronized (lock) {
      if (recorded != null) {
        return recorded;
      }
      try {
        return resolve().tokens();
      } catch (RuntimeException e) {
        return TokenUsage.missing();
      }
    }
  }

  private StreamTokens.Result resolve() {
    return StreamTokens.resolve(
        new StreamTokens.Fed(
            finalUsage,
            partialUsage,
            prompt,
            promptTokens,
            text,
            deliveredChars,
            deliveredTokens,
            model),
        settings.estimator(),
        settings.failures());
  }

  @Override
  public boolean isEnded() {
    return ended.get();
  }

  @Override
  public void close() {
    if (!ended.get()) {
      fail(new ErrorInfo(ABANDONED, "stream closed without complete, fail or cancel"));
    }
  }

  private boolean end(Outcome outcome, @Nullable ErrorInfo error) {
    if (!ended.compareAndSet(false, true)) {
      log.debug("Tally: stream '{}' ended twice; the later end is ignored", operation);
      return false;
    }
    try {
      UsageEvent event;
      synchronized (lock) {
        event = build(outcome, error);
        text = null;
        prompt = null;
      }
      settings.destination().accept(event);
    } catch (RuntimeException e) {
      settings.invalid().increment();
      settings
          .failures()
          .failure(
              "invalid-stream-" + operation,
              "Tally: stream '" + operation + "' could not be tracked: " + e.getMessage());
    }
    return true;
  }

  private UsageEvent build(Outcome outcome, @Nullable ErrorInfo error) {
    Clock clock = settings.clock();
    StreamTokens.Result tokens = resolve();
    recorded = tokens.tokens();
    Duration ttft = firstChunkAt == null ? null : nonNegative(startedAt, firstChunkAt);
    StreamDetails details =
        new StreamDetails(
            outcome == Outcome.SUCCESS, ttft, chunks, tokens.basis(), tokens.estimator());
    UsageEvent.Builder b =
        UsageEvent.builder(operation, clock)
            .occurredAt(startedAt)
            .subject(context.subject())
            .userEmail(context.userEmail())
            .sessionId(context.sessionId())
            .tenant(context.tenant())
            .model(model)
            .provider(context.provider())
            .tokens(tokens.tokens())
            .duration(nonNegative(startedAt, clock.instant()))
            .traceId(traceId)
            .content(content())
            .attributes(context.attributes());
    if (attributes != null) {
      b.attributes(attributes);
    }
    b.attributes(details.toAttributes());
    if (id != null) {
      b.id(id);
    }
    if (outcome == Outcome.ERROR) {
      b.failure(error == null ? new ErrorInfo("unknown", null) : error);
    } else if (outcome == Outcome.CANCELLED) {
      b.cancelled();
    }
    return b.build();
  }

  private ContentSummary content() {
    int inputLength = prompt == null ? -1 : prompt.length();
    // A stream fed only token counts has delivered text of unknown length.
    int outputLength =
        deliveredChars == 0 && deliveredTokens > 0
            ? -1
            : (int) Math.min(Integer.MAX_VALUE, deliveredChars);
    if (!settings.keepText()) {
      return ContentSummary.lengths(inputLength, outputLength);
    }
    return new ContentSummary(
        inputLength, outputLength, prompt, text == null ? null : text.toString());
  }

  private static Duration nonNegative(Instant from, Instant to) {
    return Elapsed.between(from, to);
  }
}
