package dev.tally.jdbc.internal;

import dev.tally.core.sink.UsageRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Event ids as stored: a canonical UUID text (lower-case, 36 characters, as {@code UUID.toString()}
 * writes it) becomes its 16 bytes; any other caller-supplied id becomes its UTF-8 bytes, padded
 * with {@code 0x00} bytes to at least 17. A non-UUID encoding is therefore never 16 bytes long, so
 * the two can never collide, and both decode back to the exact text. Byte order is text order among
 * UUIDs and among other ids (padding sorts first, so {@code "ev-1"} stays before {@code "ev-10"});
 * the one thing refused is an id ending with U+0000, whose padding would be ambiguous.
 */
final class EventIds {
  static final int MIN_TEXT_BYTES = 17;

  private EventIds() {}

  static byte[] encode(String id) {
    byte[] uuid = uuidBytes(id);
    if (uuid != null) {
      return uuid;
    }
    if (id.endsWith("\u0000")) {
      throw new UsageRejectedException("id must not end with a NUL character, was '" + id + "'");
    }
    byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
    return utf8.length >= MIN_TEXT_BYTES ? utf8 : Arrays.copyOf(utf8, MIN_TEXT_BYTES);
  }

  static String decode(byte[] stored) {
    if (stored.length == 16) {
      return uuidText(stored);
    }
    int end = stored.length;
    while (end > 0 && stored[end - 1] == 0) {
      end--;
    }
    return new String(stored, 0, end, StandardCharsets.UTF_8);
  }

  /** The 16 bytes of a canonical lower-case UUID text, or null when {@code id} is not one. */
  static byte @Nullable [] uuidBytes(String id) {
    if (id.length() != 36
        || id.charAt(8) != '-'
        || id.charAt(13) != '-'
        || id.charAt(18) != '-'
        || id.charAt(23) != '-') {
      return null;
    }
    byte[] out = new byte[16];
    int nibble = 0;
    for (int i = 0; i < 36; i++) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        continue;
      }
      char c = id.charAt(i);
      int v;
      if (c >= '0' && c <= '9') {
        v = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v = c - 'a' + 10;
      } else {
        return null;
      }
      out[nibble >> 1] |= (byte) ((nibble & 1) == 0 ? v << 4 : v);
      nibble++;
    }
    return out;
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static String uuidText(byte[] b) {
    char[] out = new char[36];
    int o = 0;
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        out[o++] = '-';
      }
      out[o++] = HEX[(b[i] >> 4) & 0xF];
      out[o++] = HEX[b[i] & 0xF];
    }
    return new String(out);
  }
}
