package dev.tally.kafka;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.EventCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bytes of one usage event on a Kafka topic.
 *
 * <ul>
 *   <li><b>Key:</b> the event's subject in UTF-8, so one subject's events land on one partition and
 *       keep their order.
 *   <li><b>Value:</b> one format byte ({@value #VERSION}), then the event in the core's binary
 *       batch form (the same bytes the pipeline's spool and journal write: a codec version byte, an
 *       event count of 1, then the event's fields as length-prefixed UTF-8 strings and fixed-width
 *       numbers).
 *   <li><b>Header</b> {@value #HEADER}: the format byte as a decimal string, for consumers that are
 *       not Tally (a ClickHouse Kafka engine, a debugging console).
 * </ul>
 *
 * <p>The event part is the core's {@code EventCodec}, an internal class: this module ships in the
 * same release as {@code tally-core} and relies on that codec keeping its rule that a release reads
 * every older codec version (the spool needs the same). The leading format byte belongs to this
 * module: a change of the envelope bumps it. A reader that meets a version it does not know treats
 * the record as poison (the ingester sends it to the dead-letter topic with that reason; nothing is
 * lost). So upgrade the ingesters before the API instances.
 *
 * <p>Never throws on {@link #encode}; {@link #decode} throws only {@link MalformedRecordException}.
 */
public final class UsageRecordFormat {
  /** The current format byte. */
  public static final byte VERSION = 1;

  /** The header that names the format of a record's value. */
  public static final String HEADER = "tally-format";

  private UsageRecordFormat() {}

  /** The record key of an event: its subject in UTF-8. */
  public static byte[] key(UsageEvent event) {
    return event.subject().getBytes(StandardCharsets.UTF_8);
  }

  /** The record value of an event. */
  public static byte[] encode(UsageEvent event) {
    byte[] body = EventCodec.encode(List.of(event));
    byte[] value = new byte[body.length + 1];
    value[0] = VERSION;
    System.arraycopy(body, 0, value, 1, body.length);
    return value;
  }

  /**
   * The event in a record value.
   *
   * @throws MalformedRecordException if the value is empty, of an unknown version, or not one event
   *     in the codec's form
   */
  public static UsageEvent decode(byte @org.jspecify.annotations.Nullable [] value) {
    if (value == null || value.length == 0) {
      throw new MalformedRecordException("empty record value");
    }
    if (value[0] != VERSION) {
      throw new MalformedRecordException("unknown record format version " + value[0]);
    }
    List<UsageEvent> events;
    try {
      events = EventCodec.decode(value, 1, value.length - 1);
    } catch (IOException | RuntimeException e) {
      throw new MalformedRecordException("undecodable event: " + e.getMessage(), e);
    }
    if (events.size() != 1) {
      throw new MalformedRecordException("expected one event, found " + events.size());
    }
    return events.get(0);
  }

  /** A record value that is not a usage event in this format. */
  public static final class MalformedRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedRecordException(String message) {
      super(message);
    }

    MalformedRecordException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
