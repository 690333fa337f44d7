package dev.tally.jdbc.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The fields of an event that reports never read, packed into one column: who (email, session,
 * tenant), the error, the trace id, content lengths, the exact cost text, when the store recorded
 * it, and the attributes (keys sorted, so the same map always packs to the same bytes). Format: a
 * version byte (1), then varints and length-prefixed UTF-8 strings ({@link Varints}).
 */
record ColdFields(
    @Nullable String userEmail,
    @Nullable String sessionId,
    @Nullable String tenant,
    @Nullable String errorType,
    @Nullable String errorMessage,
    @Nullable String traceId,
    int inputLength,
    int outputLength,
    @Nullable String cost,
    long recordedAtNs,
    Map<String, String> attributes) {

  private static final int VERSION = 1;

  byte[] pack() {
    return pack(new Varints.Sink(256));
  }

  /** Packs through {@code out}, which is reset first (a writer reuses one per batch). */
  byte[] pack(Varints.Sink out) {
    out.reset();
    out.writeByte(VERSION);
    out.writeText(userEmail);
    out.writeText(sessionId);
    out.writeText(tenant);
    out.writeText(errorType);
    out.writeText(errorMessage);
    out.writeText(traceId);
    out.write(inputLength);
    out.write(outputLength);
    out.writeText(cost);
    out.write(recordedAtNs);
    String[] keys = attributes.keySet().toArray(new String[0]);
    Arrays.sort(keys);
    out.write(keys.length);
    for (String k : keys) {
      out.writeText(k);
      out.writeText(attributes.get(k));
    }
    return out.toByteArray();
  }

  static ColdFields unpack(byte[] packed) {
    Varints.Reader in = new Varints.Reader(packed);
    int version = (int) in.read();
    if (version != VERSION) {
      throw new IllegalStateException("unknown packed event format " + version);
    }
    String email = in.readText();
    String session = in.readText();
    String tenant = in.readText();
    String errorType = in.readText();
    String errorMessage = in.readText();
    String trace = in.readText();
    int inputLength = (int) in.read();
    int outputLength = (int) in.read();
    String cost = in.readText();
    long recordedAt = in.read();
    int n = (int) in.read();
    Map<String, String> attributes = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String k = in.readText();
      String v = in.readText();
      attributes.put(k == null ? "" : k, v == null ? "" : v);
    }
    return new ColdFields(
        email,
        session,
        tenant,
        errorType,
        errorMessage,
        trace,
        inputLength,
        outputLength,
        cost,
        recordedAt,
        attributes);
  }
}
