package dev.tally.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for the requests the JDK client refuses to send: {@code TRACE}, a
 * NUL byte or an undecodable escape in the request line, an oversized header, a bad version. Every
 * request asks for {@code Connection: close}, so the response ends where the stream does.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response: its status, its headers (names in lower case) and its body, de-chunked. */
  record Reply(int status, Map<String, String> headers, String body) {
    String contentType() {
      return headers.getOrDefault("content-type", "");
    }
  }

  /** Sends {@code method target} with a Host header, {@code extraHeaders} and no body. */
  static Reply send(int port, String method, String target, String extraHeaders) {
    return send(
        port,
        (method
                + " "
                + target
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + extraHeaders
                + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends raw bytes and reads the whole response. */
  static Reply send(int port, byte[] request) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      return parse(readAll(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Sends {@code head} (a request line and headers, ending in a blank line) and then {@code body}
   * in 64 KB chunks, while another thread reads the response as it arrives, as curl does. A server
   * that answers early and closes with the body unread resets the connection; the response has been
   * read by then, so the reset ends the write and not the exchange.
   */
  static Reply sendChunked(int port, String head, InputStream body) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      IOException[] readFailure = new IOException[1];
      Thread reader =
          new Thread(
              () -> {
                try {
                  InputStream in = socket.getInputStream();
                  byte[] buffer = new byte[8192];
                  for (int n; (n = in.read(buffer)) >= 0; ) {
                    synchronized (received) {
                      received.write(buffer, 0, n);
                    }
                  }
                } catch (IOException e) {
                  readFailure[0] = e;
                }
              },
              "raw-http-reader");
      reader.setDaemon(true);
      reader.start();
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        byte[] chunk = new byte[64 * 1024];
        for (int n; (n = body.read(chunk)) > 0; ) {
          out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(chunk, 0, n);
          out.write(CRLF);
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // The server stopped reading and closed: its answer is what the reader has.
      }
      reader.join(30_000);
      byte[] raw;
      synchronized (received) {
        raw = received.toByteArray();
      }
      if (raw.length == 0 && readFailure[0] != null) {
        throw new UncheckedIOException(readFailure[0]);
      }
      return parse(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        all.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // A reset after the response (the server closed with our request unread) ends it too.
      if (all.size() == 0) {
        throw e;
      }
    }
    return all.toByteArray();
  }

  private static Reply parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new AssertionError("no complete response: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    String body = text.substring(end + 4);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Reply(status, headers, body);
  }

  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
      if (size == 0) {
        return body.toString();
      }
      // Sizes count bytes; the bodies here are ASCII JSON, so characters and bytes agree.
      body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
}
