package dev.tally.jdbc.internal;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Unsigned LEB128 varints and length-prefixed strings, for the packed columns. */
final class Varints {
  private Varints() {}

  /** A growable byte buffer that a writer resets and reuses (no locking, unlike the JDK's). */
  static final class Sink {
    private byte[] buf;
    private int pos;

    Sink(int capacity) {
      buf = new byte[capacity];
    }

    void reset() {
      pos = 0;
    }

    private void ensure(int more) {
      if (pos + more > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
      }
    }

    void writeByte(int b) {
      ensure(1);
      buf[pos++] = (byte) b;
    }

    /** Unsigned LEB128. */
    void write(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    /** A string as varint (UTF-8 length + 1) and its bytes; null as a single 0. */
    void writeText(@Nullable String s) {
      if (s == null) {
        writeByte(0);
        return;
      }
      int n = s.length();
      boolean ascii = true;
      for (int i = 0; i < n && ascii; i++) {
        ascii = s.charAt(i) < 0x80;
      }
      if (ascii) {
        write(n + 1L);
        ensure(n);
        for (int i = 0; i < n; i++) {
          buf[pos++] = (byte) s.charAt(i);
        }
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      write(b.length + 1L);
      ensure(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    byte[] toByteArray() {
      return java.util.Arrays.copyOf(buf, pos);
    }
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
