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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream behind {@link dev.tally.core.UsageTracker#startStream}. Ending is decided by one CAS
 * on {@code ended}, so exactly one of any number of concurrent ends records the event; feeding and
 * the final read of what was fed share one lock, uncontended in the usual case of one relaying
 * thread. Nothing is tokenized before the end. A stream whose tokens must be estimated is, when the
 * tracker submits to a pipeline, finished there ({@code Settings.later}): the ending thread only
 * hands it over, and the pipeline's worker counts the text, a batch of streams at a time, with the
 * tokenizer's tables warm in its cache (about half the CPU of counting each on its own request
 * thread). The event's times are taken when the stream ends, not when it is finished.
 */
public final class TrackedStream implements UsageStream {
  private static final Logger log = LoggerFactory.getLogger(TrackedStream.class);

  /**
   * How the tracker that starts streams is configured. {@code destination} takes a finished event;
   * {@code later}, when not null, takes a stream whose tokens must be estimated, to be finished off
   * the ending thread (by the pipeline's worker, a batch of estimates at a time), as long as the
   * text such streams hold stays within {@code maxPendingChars} ({@code pendingChars} counts it);
   * past that, streams are finished at once. {@code prepare} is what the tracker does to every
   * event before it leaves (content capture).
   */
  public record Settings(
      Consumer<UsageEvent> destination,
      @Nullable Consumer<Supplier<UsageEvent>> later,
      UnaryOperator<UsageEvent> prepare,
      AtomicLong pendingChars,
      long maxPendingChars,
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
  private StreamTokens.@Nullable Result resolved; // once ended: the decided tokens, computed once

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
        if (ended.get()) {
          // Ended but not yet finished (the worker finishes it): decide once, for both.
          if (resolved == null) {
            resolved = resolve();
          }
          return resolved.tokens();
        }
        return resolve().tokens();
      } catch (RuntimeException e) {
        return TokenUsage.missing();
      }
    }
  }

  private StreamTokens.Result resolve() {
    return StreamTokens.resolve(fed(), settings.estimator(), settings.failures());
  }

  private StreamTokens.Fed fed() {
    return new StreamTokens.Fed(
        finalUsage,
        partialUsage,
        prompt,
        promptTokens,
        text,
        deliveredChars,
        deliveredTokens,
        model);
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
    Instant endedAt = settings.clock().instant();
    try {
      Consumer<Supplier<UsageEvent>> later = settings.later();
      long held = later == null ? -1 : holdForLater();
      if (later != null && held >= 0) {
        later.accept(() -> finishLater(outcome, error, endedAt, held));
        return true;
      }
      UsageEvent event;
      synchronized (lock) {
        event = finish(outcome, error, endedAt);
      }
      settings.destination().accept(event);
    } catch (RuntimeException e) {
      invalid(e);
    }
    return true;
  }

  /**
   * The characters this stream keeps until it is finished later, counted in {@code pendingChars};
   * -1 when it is finished now: no estimate to make, or too much text already waiting.
   */
  private long holdForLater() {
    long chars;
    synchronized (lock) {
      if (!StreamTokens.estimates(fed())) {
        return -1;
      }
      chars = (text == null ? 0 : text.length()) + (prompt == null ? 0 : prompt.length());
    }
    AtomicLong pending = settings.pendingChars();
    if (pending.addAndGet(chars) > settings.maxPendingChars()) {
      pending.addAndGet(-chars);
      return -1;
    }
    return chars;
  }

  private UsageEvent finishLater(
      Outcome outcome, @Nullable ErrorInfo error, Instant endedAt, long held) {
    try {
      UsageEvent event;
      synchronized (lock) {
        event = finish(outcome, error, endedAt);
      }
      return settings.prepare().apply(event);
    } catch (RuntimeException e) {
      invalid(e);
      throw e;
    } finally {
      settings.pendingChars().addAndGet(-held);
    }
  }

  /** Builds the event and lets go of the text. Under the lock. */
  private UsageEvent finish(Outcome outcome, @Nullable ErrorInfo error, Instant endedAt) {
    try {
      return build(outcome, error, endedAt);
    } finally {
      text = null;
      prompt = null;
    }
  }

  private void invalid(RuntimeException e) {
    settings.invalid().increment();
    settings
        .failures()
        .failure(
            "invalid-stream-" + operation,
            "Tally: stream '" + operation + "' could not be tracked: " + e.getMessage());
  }

  private UsageEvent build(Outcome outcome, @Nullable ErrorInfo error, Instant endedAt) {
    StreamTokens.Result tokens = resolved != null ? resolved : resolve();
    resolved = tokens;
    recorded = tokens.tokens();
    Duration ttft = firstChunkAt == null ? null : nonNegative(startedAt, firstChunkAt);
    StreamDetails details =
        new StreamDetails(
            outcome == Outcome.SUCCESS, ttft, chunks, tokens.basis(), tokens.estimator());
    UsageEvent.Builder b =
        UsageEvent.builder(operation, settings.clock())
            .occurredAt(startedAt)
            .subject(context.subject())
            .userEmail(context.userEmail())
            .sessionId(context.sessionId())
            .tenant(context.tenant())
            .model(model)
            .provider(context.provider())
            .tokens(tokens.tokens())
            .duration(nonNegative(startedAt, endedAt))
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
