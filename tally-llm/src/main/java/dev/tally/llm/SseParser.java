package dev.tally.llm;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A small Server-Sent Events reader, after the WHATWG {@code text/event-stream} rules: lines end
 * with CRLF, LF or CR (a CRLF split across two chunks included); {@code field: value} with one
 * leading space removed; several {@code data:} lines join with {@code \n}; a line starting with
 * {@code :} is a comment; a blank line dispatches the event; an event without data is not
 * dispatched; {@code retry} and unknown fields are ignored.
 *
 * <p>Feed it lines ({@link #line}, for example from {@code HttpResponse.BodyHandlers.ofLines()}) or
 * raw text in any chunking ({@link #feed}); call {@link #end()} at the end of the stream to
 * dispatch an event the stream did not close with a blank line. An event larger than {@code
 * maxEventChars} is dropped and counted, so a stream can never grow memory without bound. Not
 * thread-safe: one reader feeds it.
 */
public final class SseParser {
  /** Largest event (data characters) kept: 1 Mi characters. */
  public static final int DEFAULT_MAX_EVENT_CHARS = 1 << 20;

  // Room on a line for the field name before its value counts against the event limit.
  private static final int MAX_FIELD_PREFIX = 16;

  private final Consumer<SseEvent> listener;
  private final int maxEventChars;
  private final StringBuilder data = new StringBuilder();
  private final StringBuilder pending = new StringBuilder();
  private @Nullable String event;
  private @Nullable String id;
  private boolean hasData;
  private boolean oversized;
  private boolean skipLf;
  private boolean lineTooLong;
  private long dropped;

  public SseParser(Consumer<SseEvent> listener) {
    this(listener, DEFAULT_MAX_EVENT_CHARS);
  }

  public SseParser(Consumer<SseEvent> listener, int maxEventChars) {
    if (maxEventChars <= 0) {
      throw new IllegalArgumentException("maxEventChars must be > 0, was " + maxEventChars);
    }
    this.listener = listener;
    this.maxEventChars = maxEventChars;
  }

  /** Text of the stream in any chunking; complete lines are processed, the rest is kept. */
  public void feed(CharSequence chunk) {
    for (int i = 0; i < chunk.length(); i++) {
      char c = chunk.charAt(i);
      if (skipLf) {
        skipLf = false;
        if (c == '\n') {
          continue;
        }
      }
      if (c == '\r' || c == '\n') {
        skipLf = c == '\r';
        String line = pending.toString();
        pending.setLength(0);
        if (lineTooLong) {
          lineTooLong = false;
          oversized = true; // the event this line belongs to is dropped at its end
        } else {
          line(line);
        }
      } else if (pending.length() < maxEventChars + MAX_FIELD_PREFIX) {
        pending.append(c);
      } else {
        lineTooLong = true;
      }
    }
  }

  /** One line, without its line terminator. */
  public void line(String line) {
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = "";
    if (colon >= 0) {
      int start = colon + 1;
      if (start < line.length() && line.charAt(start) == ' ') {
        start++;
      }
      value = line.substring(start);
    }
    switch (field) {
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        hasData = true;
        if (data.length() + value.length() > maxEventChars) {
          oversized = true;
        } else if (!oversized) {
          data.append(value);
        }
      }
      case "event" -> event = value;
      case "id" -> id = value.indexOf('\0') < 0 ? value : id;
      default -> {}
    }
  }

  /** The end of the stream: processes a last line without terminator and dispatches. */
  public void end() {
    if (lineTooLong) {
      lineTooLong = false;
      pending.setLength(0);
      oversized = true;
    }
    if (pending.length() > 0) {
      String line = pending.toString();
      pending.setLength(0);
      line(line);
    }
    dispatch();
  }

  /** Events dropped for exceeding the size limit. */
  public long dropped() {
    return dropped;
  }

  private void dispatch() {
    if (oversized) {
      dropped++;
    } else if (hasData) {
      listener.accept(new SseEvent(event, data.toString(), id));
    }
    data.setLength(0);
    hasData = false;
    oversized = false;
    event = null;
  }
}
