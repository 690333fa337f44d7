package dev.tally.benchmarks.gateway;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fake OpenAI chat completions server that answers every request a fixed delay after it has read
 * it: a plain completion with usage, or (for {@code "stream":true}) an event stream of five content
 * chunks, the usage chunk and {@code [DONE]}, sent in one write. HTTP/1.1 with keep-alive on plain
 * blocking sockets, one thread per connection: reading a request, waiting and writing the answer
 * happen on that thread, with no selector or pool in between, so the fake upstream's own cost and
 * queueing stay far below what it measures. It never closes an idle connection.
 */
final class SlowUpstream implements AutoCloseable {
  private static final byte[] PLAIN_BODY =
      ("{\"id\":\"chatcmpl-b\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"bench-1\","
              + "\"choices\":[{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":"
              + "\"assistant\",\"content\":\"Hello from the benchmark upstream\"}}],"
              + "\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":7,\"total_tokens\":49}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] PLAIN = answer("application/json", PLAIN_BODY);
  private static final byte[] STREAM = answer("text/event-stream", stream());
  private static final byte[] STREAM_FLAG = "\"stream\":true".getBytes(StandardCharsets.UTF_8);

  private final ServerSocket server;
  private final long delayNanos;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();

  SlowUpstream(long delayMillis) throws IOException {
    this.delayNanos = delayMillis * 1_000_000L;
    server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "slow-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        open.add(s);
        Thread t = new Thread(() -> serve(s), "slow-upstream-" + connections.incrementAndGet());
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
      OutputStream out = s.getOutputStream();
      StringBuilder line = new StringBuilder(128);
      while (true) {
        if (readLine(in, line) == null) {
          return; // the client closed the connection
        }
        long read = System.nanoTime();
        int length = 0;
        while (!readLine(in, line).isEmpty()) {
          String h = line.toString();
          if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
            length = Integer.parseInt(h.substring(15).trim());
          }
        }
        byte[] body = in.readNBytes(length);
        long deadline = read + delayNanos;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(left);
        }
        out.write(LoadConnection.contains(body, STREAM_FLAG) ? STREAM : PLAIN);
        out.flush();
      }
    } catch (SocketException e) {
      // the client left, or the upstream is closing
    } catch (IOException e) {
      // the client left mid-request
    } finally {
      open.remove(s);
    }
  }

  /** The next line without its terminator, or null at the end of the stream before any byte. */
  private static String readLine(InputStream in, StringBuilder line) throws IOException {
    line.setLength(0);
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        if (line.length() == 0) {
          return null;
        }
        throw new IOException("the request ended mid-line");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  private static byte[] answer(String contentType, byte[] body) {
    byte[] head =
        String.format(
                Locale.ROOT,
                "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
                contentType,
                body.length)
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  private static byte[] stream() {
    StringBuilder s = new StringBuilder();
    String head =
        "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"bench-1\",";
    for (String piece : new String[] {"Hello", " from", " the", " benchmark", " upstream"}) {
      s.append("data: ")
          .append(head)
          .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
          .append(piece)
          .append("\"}}]}\n\n");
    }
    s.append("data: ")
        .append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    s.append("data: ")
        .append(head)
        .append("\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":7,")
        .append("\"total_tokens\":49}}\n\n");
    s.append("data: [DONE]\n\n");
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
