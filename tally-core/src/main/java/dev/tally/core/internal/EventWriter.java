package dev.tally.core.internal;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes events in {@link EventCodec}'s binary form into a reusable byte array: the one place that
 * lists the fields in the order they are written ({@link #writeEvent}; {@code EventCodec.read}
 * reads them back in the same order). A field added to {@link UsageEvent} is added here and there.
 *
 * <p>Fast on purpose: the journal calls it on the request thread inside {@code track()}. ASCII
 * strings are copied char by char with no allocation; other strings fall back to {@link
 * String#getBytes}. One writer per thread (not thread-safe); its buffer grows and is kept.
 */
public final class EventWriter {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

  private byte[] buffer;
  private int position;

  public EventWriter(int initialCapacity) {
    this.buffer = new byte[Math.max(64, initialCapacity)];
  }

  /**
   * Replaces the buffer's content with a batch of one event (what the journal stores per record)
   * and returns its length; the bytes are {@code buffer()[0, length)}.
   */
  public int writeRecord(UsageEvent event) {
    position = 0;
    writeBatchHeader(1);
    writeEvent(event);
    return position;
  }

  /** Starts a batch: the version byte and the event count. */
  public void writeBatchHeader(int count) {
    ensure(5);
    buffer[position++] = EventCodec.VERSION;
    INT.set(buffer, position, count);
    position += 4;
  }

  /** Appends one event. The field list of the format, in order. */
  public void writeEvent(UsageEvent e) {
    ensure(8 * 16);
    writeString(e.id());
    writeLong(e.occurredAt().getEpochSecond());
    writeInt(e.occurredAt().getNano());
    writeString(e.operation());
    writeString(e.subject());
    writeString(e.userEmail());
    writeString(e.sessionId());
    writeString(e.tenant());
    writeString(e.model());
    writeString(e.provider());
    TokenUsage t = e.tokens();
    ensure(8 * 8);
    writeLong(t.input());
    writeLong(t.cachedInput());
    writeLong(t.cacheWrite());
    writeLong(t.output());
    writeLong(t.reasoning());
    writeByte(t.source().ordinal());
    writeLong(e.duration().toNanos());
    writeByte(e.outcome().ordinal());
    ErrorInfo error = e.error();
    writeString(error == null ? null : error.type());
    writeString(error == null ? null : error.message());
    Map<String, String> attributes = e.attributes();
    ensure(2);
    SHORT.set(buffer, position, (short) attributes.size());
    position += 2;
    if (!attributes.isEmpty()) {
      for (Map.Entry<String, String> a : attributes.entrySet()) {
        writeString(a.getKey());
        writeString(a.getValue());
      }
    }
    writeString(e.traceId());
    ContentSummary c = e.content();
    ensure(8);
    writeInt(c.inputLength());
    writeInt(c.outputLength());
    writeString(c.inputText());
    writeString(c.outputText());
    Cost cost = e.cost();
    BigDecimal amount = cost.amount();
    writeString(amount == null ? null : amount.toString());
    writeString(cost.currency());
    writeString(cost.priceVersion());
  }

  /** The bytes written since the last {@link #writeRecord} (or construction). */
  public byte[] buffer() {
    return buffer;
  }

  public int length() {
    return position;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buffer, position);
  }

  private void writeByte(int value) {
    ensure(1);
    buffer[position++] = (byte) value;
  }

  private void writeInt(int value) {
    ensure(4);
    INT.set(buffer, position, value);
    position += 4;
  }

  private void writeLong(long value) {
    ensure(8);
    LONG.set(buffer, position, value);
    position += 8;
  }

  /** An int length (-1 for null), then the UTF-8 bytes: {@code DataOutputStream}'s int prefix. */
  private void writeString(@Nullable String s) {
    if (s == null) {
      writeInt(-1);
      return;
    }
    int chars = s.length();
    ensure(4 + chars);
    int start = position + 4;
    byte[] b = buffer;
    for (int i = 0; i < chars; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        ensure(4 + utf8.length);
        INT.set(buffer, position, utf8.length);
        System.arraycopy(utf8, 0, buffer, position + 4, utf8.length);
        position += 4 + utf8.length;
        return;
      }
      b[start + i] = (byte) c;
    }
    INT.set(b, position, chars);
    position = start + chars;
  }

  private void ensure(int bytes) {
    if (position + bytes > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, position + bytes));
    }
  }
}
