package dev.tally.benchmarks.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The floor of "one more hop": the simplest HTTP/1.1 proxy, to measure in {@link GatewayLoad}
 * beside the gateway ({@code floors=bare}). JDK blocking sockets, one thread per client connection,
 * and for each client connection one kept-alive connection to the upstream: a request's bytes (head
 * and {@code Content-Length} body) go to the upstream in one write, unchanged, and the answer's
 * bytes go back to the client as they arrive, until its {@code Content-Length} body is complete. No
 * HTTP library, no JSON, no pool, no hand-off between threads: what it adds is the kernel's second
 * loopback hop and two thread wake-ups (the proxy's on the request, and on the answer), which any
 * proxy pays.
 *
 * <p>It handles what {@link LoadConnection} sends and {@link SlowUpstream} answers (requests and
 * answers with a {@code Content-Length}, no chunked bodies), nothing else.
 *
 * <p>{@code java -cp tally-benchmarks/target/classes dev.tally.benchmarks.gateway.BareProxy <port>
 * <upstream port>}
 */
public final class BareProxy {
  private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
  private static final String CONTENT_LENGTH = "\ncontent-length:";

  private BareProxy() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    int upstreamPort = Integer.parseInt(args[1]);
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket(port, 1024, loopback)) {
      for (int n = 1; ; n++) {
        Socket client = server.accept();
        client.setTcpNoDelay(true);
        Thread t =
            new Thread(
                () -> serve(client, new InetSocketAddress(loopback, upstreamPort)),
                "bare-proxy-" + n);
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static void serve(Socket client, InetSocketAddress upstreamAddress) {
    try (client;
        Socket upstream = new Socket()) {
      upstream.setTcpNoDelay(true);
      upstream.connect(upstreamAddress, 5_000);
      Message request = new Message(client.getInputStream());
      Message answer = new Message(upstream.getInputStream());
      OutputStream toUpstream = upstream.getOutputStream();
      OutputStream toClient = client.getOutputStream();
      while (request.readWhole()) {
        toUpstream.write(request.buffer, 0, request.length);
        if (!answer.copyTo(toClient)) {
          return;
        }
      }
    } catch (IOException e) {
      // the client or the upstream left
    }
  }

  /** One HTTP/1.1 message after another from one connection, read into a growing buffer. */
  private static final class Message {
    private final InputStream in;
    private byte[] buffer = new byte[16 * 1024];

    /** Bytes of the current message in the buffer (from 0). */
    private int length;

    /** Bytes read past the current message (the next one's start), from {@link #length}. */
    private int extra;

    Message(InputStream in) {
      this.in = in;
    }

    /** Reads the next whole message into the buffer; false at the end of the stream. */
    boolean readWhole() throws IOException {
      int total = head();
      if (total < 0) {
        return false;
      }
      while (filled() < total) {
        if (!fill()) {
          throw new IOException("the message ended early");
        }
      }
      mark(total);
      return true;
    }

    /** Copies the next message to {@code out} as its bytes arrive; false at the end. */
    boolean copyTo(OutputStream out) throws IOException {
      int total = head();
      if (total < 0) {
        return false;
      }
      int sent = 0;
      while (true) {
        int upTo = Math.min(filled(), total);
        if (upTo > sent) {
          out.write(buffer, sent, upTo - sent);
          sent = upTo;
        }
        if (sent == total) {
          break;
        }
        if (!fill()) {
          throw new IOException("the message ended early");
        }
      }
      mark(total);
      return true;
    }

    /** Reads until the head is complete; the message's size, or -1 at the end before any byte. */
    private int head() throws IOException {
      // drop the previous message, keep what was read past it
      System.arraycopy(buffer, length, buffer, 0, extra);
      length = 0;
      int end;
      while ((end = indexOf(buffer, filled(), HEAD_END, 0)) < 0) {
        if (!fill()) {
          if (filled() == 0) {
            return -1;
          }
          throw new IOException("the head ended early");
        }
      }
      int headLength = end + HEAD_END.length;
      return headLength + contentLength(headLength);
    }

    private int filled() {
      return length + extra;
    }

    private boolean fill() throws IOException {
      if (filled() == buffer.length) {
        buffer = Arrays.copyOf(buffer, buffer.length * 2);
      }
      int n = in.read(buffer, filled(), buffer.length - filled());
      if (n < 0) {
        return false;
      }
      extra += n;
      return true;
    }

    private void mark(int total) {
      extra = filled() - total;
      length = total;
    }

    private int contentLength(int headLength) {
      String head = new String(buffer, 0, headLength, StandardCharsets.ISO_8859_1);
      int at = head.toLowerCase(Locale.ROOT).indexOf(CONTENT_LENGTH);
      if (at < 0) {
        return 0;
      }
      int from = at + CONTENT_LENGTH.length();
      return Integer.parseInt(head.substring(from, head.indexOf('\r', from)).trim());
    }
  }

  private static int indexOf(byte[] bytes, int limit, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= limit; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
