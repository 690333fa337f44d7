package dev.tally.jdbc.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Unsigned LEB128 varints and length-prefixed strings, for the packed columns. */
final class Varints {
  private Varints() {}

  static void write(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  /** A string as varint (UTF-8 length + 1) and its bytes; null as a single 0. */
  static void writeText(ByteArrayOutputStream out, @Nullable String s) {
    if (s == null) {
      out.write(0);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    write(out, b.length + 1L);
    out.writeBytes(b);
  }

  /** Reads from a byte array at a moving position. */
  static final class Reader {
    private final byte[] in;
    private int pos;

    Reader(byte[] in) {
      this.in = in;
    }

    boolean hasMore() {
      return pos < in.length;
    }

    long read() {
      long v = 0;
      int shift = 0;
      while (true) {
        byte b = in[pos++];
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
        shift += 7;
      }
    }

    @Nullable String readText() {
      long n = read();
      if (n == 0) {
        return null;
      }
      int len = (int) (n - 1);
      String s = new String(in, pos, len, StandardCharsets.UTF_8);
      pos += len;
      return s;
    }
  }
}
