package dev.tally.core.internal;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.io.DataInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Binary form of a batch of events, used by the journal (one event per record), the spool and the
 * dead-letter file. A version byte leads each batch so a later release can still read an older
 * file. {@link EventWriter} writes it (the field list lives there); {@link #decode} reads it.
 *
 * <p>Versions: {@code 1} is the event without a cost. {@code 2} (written now) appends the typed
 * {@link Cost} to each event, after the content: three nullable strings, amount ({@link
 * BigDecimal#toString()}), currency and price version, all null when unpriced. A version 1 event
 * decodes as {@link Cost#unpriced()} with its attributes unchanged (an attribute named {@code
 * tally.cost} stays an attribute); the pricing sink prices it on delivery like any new event.
 */
public final class EventCodec {
  /** The version this codec writes. */
  static final byte VERSION = 2;

  /** The first version, without a cost; still read. */
  static final byte VERSION_1 = 1;

  private EventCodec() {}

  public static byte[] encode(List<UsageEvent> events) {
    EventWriter writer = new EventWriter(256 * events.size() + 8);
    writer.writeBatchHeader(events.size());
    for (UsageEvent e : events) {
      writer.writeEvent(e);
    }
    return writer.toByteArray();
  }

  /**
   * @throws IOException if the bytes are not a batch this codec wrote
   */
  public static List<UsageEvent> decode(byte[] data, int offset, int length) throws IOException {
    DataInputStream in =
        new DataInputStream(new java.io.ByteArrayInputStream(data, offset, length));
    byte version = in.readByte();
    if (version != VERSION && version != VERSION_1) {
      throw new IOException("unknown spool batch version " + version);
    }
    int count = in.readInt();
    if (count < 0 || count > length) {
      throw new IOException("bad event count " + count);
    }
    List<UsageEvent> events = new ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        events.add(read(in, version));
      }
    } catch (RuntimeException invalid) {
      throw new IOException("undecodable event: " + invalid.getMessage(), invalid);
    }
    if (in.available() != 0) {
      throw new IOException(in.available() + " trailing bytes after " + count + " events");
    }
    return events;
  }

  private static UsageEvent read(DataInputStream in, byte version) throws IOException {
    String id = requireString(in);
    Instant occurredAt = Instant.ofEpochSecond(in.readLong(), in.readInt());
    String operation = requireString(in);
    String subject = requireString(in);
    String userEmail = readString(in);
    String sessionId = readString(in);
    String tenant = readString(in);
    String model = readString(in);
    String provider = readString(in);
    TokenUsage tokens =
        new TokenUsage(
            in.readLong(),
            in.readLong(),
            in.readLong(),
            in.readLong(),
            in.readLong(),
            enumAt(UsageSource.values(), in.readByte()));
    Duration duration = Duration.ofNanos(in.readLong());
    Outcome outcome = enumAt(Outcome.values(), in.readByte());
    String errorType = readString(in);
    String errorMessage = readString(in);
    int attributeCount = in.readShort();
    Map<String, String> attributes = new HashMap<>();
    for (int i = 0; i < attributeCount; i++) {
      attributes.put(requireString(in), requireString(in));
    }
    String traceId = readString(in);
    ContentSummary content =
        new ContentSummary(in.readInt(), in.readInt(), readString(in), readString(in));
    Cost cost = Cost.unpriced();
    if (version >= 2) {
      String amount = readString(in);
      String currency = readString(in);
      String priceVersion = readString(in);
      cost = new Cost(amount == null ? null : new BigDecimal(amount), currency, priceVersion);
    }
    return new UsageEvent(
        id,
        occurredAt,
        operation,
        new UsageContext(subject, userEmail, sessionId, tenant, model, provider, attributes),
        tokens,
        cost,
        duration,
        outcome,
        errorType == null ? null : new ErrorInfo(errorType, errorMessage),
        traceId,
        content);
  }

  private static <E extends Enum<E>> E enumAt(E[] values, int ordinal) throws IOException {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IOException("bad enum ordinal " + ordinal);
    }
    return values[ordinal];
  }

  private static String requireString(DataInputStream in) throws IOException {
    String s = readString(in);
    if (s == null) {
      throw new IOException("missing required string");
    }
    return s;
  }

  private static @Nullable String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > in.available()) {
      throw new IOException("bad string length " + length);
    }
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
