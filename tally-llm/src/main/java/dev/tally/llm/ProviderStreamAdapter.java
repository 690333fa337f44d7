package dev.tally.llm;

import dev.tally.core.UsageStream;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.StreamDetails;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns one provider's streamed response into updates of a {@link UsageStream}: the text it
 * generates ({@link UsageStream#delivered}, counted when read from the provider, since the provider
 * bills what it generated whether or not the client got it), the model it names, and its usage.
 *
 * <p>Feed it lines ({@link #line}) or parsed events ({@link #accept}); each returns the visible
 * text the event carried, for the caller to relay, or null. An event it does not know is ignored
 * and counted ({@link #ignored()}), never a failure; data that is not JSON is ignored and counted
 * ({@link #malformed()}, also recorded on the event as {@value StreamDetails#MALFORMED_ATTRIBUTE}).
 *
 * <p>The adapter never ends the stream: the caller does, once the provider's stream is over ({@link
 * #isDone()}), with {@link UsageStream#complete()} — or {@link UsageStream#fail(ErrorInfo)} with
 * {@link #error()} when the provider reported one in the stream. Not thread-safe: one reader feeds
 * it (the stream it updates is thread-safe).
 */
public abstract class ProviderStreamAdapter {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final UsageStream stream;
  private final SseParser sse;
  private @Nullable StringBuilder collected;
  private boolean done;
  private @Nullable ErrorInfo error;
  private @Nullable String finishReason;
  private @Nullable String model;
  private long malformed;
  private long ignored;

  protected ProviderStreamAdapter(UsageStream stream) {
    this.stream = Objects.requireNonNull(stream, "stream must not be null");
    this.sse = new SseParser(this::collect);
  }

  /** One line of the SSE stream, without terminator; returns the text of the event it ends. */
  public final @Nullable String line(String line) {
    collected = null;
    sse.line(line);
    return collected();
  }

  /** Raw text of the SSE stream in any chunking; returns the text of the events it ends. */
  public final @Nullable String feed(CharSequence chunk) {
    collected = null;
    sse.feed(chunk);
    return collected();
  }

  /** The end of the provider's byte stream: dispatches an unterminated last event. */
  public final @Nullable String end() {
    collected = null;
    sse.end();
    return collected();
  }

  private void collect(SseEvent event) {
    String text = accept(event);
    if (text != null) {
      if (collected == null) {
        collected = new StringBuilder();
      }
      collected.append(text);
    }
  }

  private @Nullable String collected() {
    StringBuilder text = collected;
    collected = null;
    return text == null ? null : text.toString();
  }

  /** One parsed event; returns the visible text it carried, or null. Never throws for bad data. */
  public final @Nullable String accept(SseEvent event) {
    String data = event.data();
    if (handleRaw(event)) {
      return null;
    }
    JsonNode json;
    try {
      json = JSON.readTree(data);
    } catch (JacksonException e) {
      malformed++;
      stream.attribute(StreamDetails.MALFORMED_ATTRIBUTE, Long.toString(malformed));
      return null;
    }
    if (json == null || !json.isObject()) {
      malformed++;
      stream.attribute(StreamDetails.MALFORMED_ATTRIBUTE, Long.toString(malformed));
      return null;
    }
    String text;
    try {
      text = onJson(event.event(), json);
    } catch (RuntimeException e) {
      // A shape we did not expect (a number where text was, a count out of range): skip the event.
      malformed++;
      stream.attribute(StreamDetails.MALFORMED_ATTRIBUTE, Long.toString(malformed));
      return null;
    }
    if (text != null && !text.isEmpty()) {
      stream.delivered(text);
      return text;
    }
    return null;
  }

  /** Handles data that is not JSON (OpenAI's {@code [DONE]}); true when it was handled. */
  protected boolean handleRaw(SseEvent event) {
    return false;
  }

  /**
   * Handles one JSON event; returns its visible text (which the base feeds to {@link
   * UsageStream#delivered}), or null.
   */
  protected abstract @Nullable String onJson(@Nullable String eventName, JsonNode json);

  /** The stream this adapter updates. */
  protected final UsageStream stream() {
    return stream;
  }

  /** Output the provider generated that is not visible text (tool arguments, thinking). */
  protected final void generated(String text) {
    if (!text.isEmpty()) {
      stream.delivered(text);
    }
  }

  protected final void model(JsonNode node) {
    String name = text(node);
    if (name != null && !name.equals(model)) {
      model = name;
      stream.model(name);
    }
  }

  protected final void markDone() {
    done = true;
  }

  protected final void markError(ErrorInfo info) {
    error = info;
    done = true;
  }

  protected final void finishReason(JsonNode node) {
    String reason = text(node);
    if (reason != null) {
      finishReason = reason;
    }
  }

  protected final void markIgnored() {
    ignored++;
  }

  /** Whether the provider signalled the end of its stream. */
  public final boolean isDone() {
    return done;
  }

  /** The error the provider reported in the stream, or null. */
  public final @Nullable ErrorInfo error() {
    return error;
  }

  /** Why the provider stopped ({@code stop}, {@code length}, {@code max_tokens}...), or null. */
  public final @Nullable String finishReason() {
    return finishReason;
  }

  /** Events whose data was not a JSON object, or not of the documented shape. */
  public final long malformed() {
    return malformed;
  }

  /** Events of a type this adapter does not handle. */
  public final long ignored() {
    return ignored;
  }

  /** The node's text, or null when it is missing or not a string. */
  static @Nullable String text(JsonNode node) {
    return node != null && node.isString() ? node.stringValue() : null;
  }

  /** The node's count, or 0 when missing; negative or non-numeric counts throw. */
  static long count(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return 0;
    }
    if (!node.isIntegralNumber() || node.asLong() < 0) {
      throw new IllegalArgumentException("not a token count: " + node);
    }
    return node.asLong();
  }

  /** An error object ({@code {"type"|"code": ..., "message": ...}}) as an {@link ErrorInfo}. */
  static ErrorInfo errorOf(String prefix, JsonNode error) {
    String type = text(error.path("type"));
    if (type == null) {
      type = text(error.path("code"));
    }
    return new ErrorInfo(prefix + (type == null ? "error" : type), text(error.path("message")));
  }
}
