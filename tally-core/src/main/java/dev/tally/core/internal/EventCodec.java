package dev.tally.core.internal;

import dev.tally.core.ContentSummary;
import dev.tally.core.Cost;
import dev.tally.core.ErrorInfo;
import dev.tally.core.Outcome;
import dev.tally.core.TokenUsage;
import dev.tally.core.UsageContext;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Binary form of a batch of events, used by the spool, the journal and the dead-letter file. A
 * version byte leads each batch so a later release can still read an older spool.
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
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * events.size() + 8);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(events.size());
      for (UsageEvent e : events) {
        write(out, e);
      }
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return bytes.toByteArray();
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

  private static void write(DataOutputStream out, UsageEvent e) throws IOException {
    writeString(out, e.id());
    out.writeLong(e.occurredAt().getEpochSecond());
    out.writeInt(e.occurredAt().getNano());
    writeString(out, e.operation());
    writeString(out, e.subject());
    writeString(out, e.userEmail());
    writeString(out, e.sessionId());
    writeString(out, e.tenant());
    writeString(out, e.model());
    writeString(out, e.provider());
    TokenUsage t = e.tokens();
    out.writeLong(t.input());
    out.writeLong(t.cachedInput());
    out.writeLong(t.cacheWrite());
    out.writeLong(t.output());
    out.writeLong(t.reasoning());
    out.writeByte(t.source().ordinal());
    out.writeLong(e.duration().toNanos());
    out.writeByte(e.outcome().ordinal());
    ErrorInfo error = e.error();
    writeString(out, error == null ? null : error.type());
    writeString(out, error == null ? null : error.message());
    out.writeShort(e.attributes().size());
    for (Map.Entry<String, String> a : e.attributes().entrySet()) {
      writeString(out, a.getKey());
      writeString(out, a.getValue());
    }
    writeString(out, e.traceId());
    ContentSummary c = e.content();
    out.writeInt(c.inputLength());
    out.writeInt(c.outputLength());
    writeString(out, c.inputText());
    writeString(out, c.outputText());
    Cost cost = e.cost();
    BigDecimal amount = cost.amount();
    writeString(out, amount == null ? null : amount.toString());
    writeString(out, cost.currency());
    writeString(out, cost.priceVersion());
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

  private static void writeString(DataOutputStream out, @Nullable String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
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
