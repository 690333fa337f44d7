package dev.tally.benchmarks.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One kept-alive HTTP/1.1 connection of the load generator, used by one thread at a time with
 * blocking I/O: the request is one write of prepared bytes, the answer (a {@code Content-Length} or
 * chunked body) is read on the same thread. No selector, no futures, no hand-off between threads,
 * so the load generator costs little CPU per request and adds no queue of its own.
 */
final class LoadConnection implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final StringBuilder line = new StringBuilder(128);

  LoadConnection(String host, int port) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5_000);
    socket.setSoTimeout(30_000);
    in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    out = socket.getOutputStream();
  }

  /** The answer to one request: its status, the gateway's overhead header (-1 without), body. */
  record Answer(int status, double overheadMillis, byte[] body, boolean close) {
    boolean bodyContains(byte[] needle) {
      return contains(body, needle);
    }
  }

  /** Whether {@code needle} occurs in {@code bytes} (also used by the fake upstream). */
  static boolean contains(byte[] bytes, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** Prepared bytes of a POST with a JSON body. */
  static byte[] post(String host, int port, String path, String body, String bearer) {
    byte[] json = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + ":"
            + port
            + "\r\nContent-Type: application/json\r\nAccept: */*\r\n"
            + (bearer.isEmpty() ? "" : "Authorization: Bearer " + bearer + "\r\n")
            + "Content-Length: "
            + json.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[h.length + json.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(json, 0, all, h.length, json.length);
    return all;
  }

  /** Sends the request and reads the whole answer. */
  Answer exchange(byte[] request) throws IOException {
    out.write(request);
    out.flush();
    String status = readLine();
    if (status.length() < 12 || !status.startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    double overhead = -1;
    String header;
    while (!(header = readLine()).isEmpty()) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
        case "connection" -> close = value.equalsIgnoreCase("close");
        case "x-tally-overhead-ms" -> overhead = Double.parseDouble(value);
        default -> {}
      }
    }
    byte[] body;
    if (chunked) {
      ByteArrayOutputStream all = new ByteArrayOutputStream(1024);
      for (int size; (size = Integer.parseInt(chunkSize(readLine()), 16)) > 0; ) {
        all.write(readExactly(size));
        readLine(); // the CRLF after the chunk
      }
      while (!readLine().isEmpty()) {
        // trailers
      }
      body = all.toByteArray();
    } else if (length >= 0) {
      body = readExactly((int) length);
    } else {
      body = in.readAllBytes();
      close = true;
    }
    return new Answer(code, overhead, body, close);
  }

  private static String chunkSize(String line) {
    int semicolon = line.indexOf(';');
    return (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException("the body ended after " + b.length + " of " + n + " bytes");
    }
    return b;
  }

  private String readLine() throws IOException {
    line.setLength(0);
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new EOFException("the connection ended");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
