package dev.tally.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy between a client and a server that can stop forwarding on command, as a
 * server or network does when it hangs: the sockets stay open, nothing more arrives. On {@link
 * #resume()} new connections flow again; a connection that hung stays silent towards the client (a
 * client that reused it would wait again) while its server side is closed, as the server would
 * eventually notice a dead peer, so the server ends its session and releases what it held.
 */
final class FreezingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress upstream;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean frozen;
  private volatile byte[] freezeRepliesAfter;

  FreezingProxy(String upstreamHost, int upstreamPort) throws IOException {
    this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "freezing-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far. */
  int connections() {
    return accepted.get();
  }

  /** Stops forwarding on every connection, open and new, in both directions. */
  void freeze() {
    frozen = true;
  }

  /**
   * On the next connection whose client sends {@code marker} (e.g. {@code COMMIT}), forwards that
   * and then stops forwarding the server's replies: the server did the work, the client never
   * hears.
   */
  void freezeRepliesAfterClientSends(String marker) {
    freezeRepliesAfter = marker.getBytes(StandardCharsets.US_ASCII);
  }

  /** New connections flow again; connections that hung stay silent, their server sides closed. */
  void resume() {
    frozen = false;
    freezeRepliesAfter = null;
    for (Link link : links) {
      if (link.hung || link.repliesHung) {
        link.closeServerSide();
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Link link : links) {
      link.close();
    }
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        accepted.incrementAndGet();
        Socket server = new Socket();
        server.connect(upstream, 5_000);
        Link link = new Link(client, server);
        links.add(link);
        link.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private final class Link {
    private final Socket client;
    private final Socket server;
    private volatile boolean hung;
    private volatile boolean repliesHung;
    private final CountDownLatch closed = new CountDownLatch(1);

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() throws IOException {
      pump(client.getInputStream(), server.getOutputStream(), true);
      pump(server.getInputStream(), client.getOutputStream(), false);
    }

    private void pump(InputStream in, OutputStream out, boolean fromClient) {
      Thread t =
          new Thread(
              () -> {
                byte[] buffer = new byte[64 * 1024];
                try {
                  int n;
                  while ((n = in.read(buffer)) >= 0) {
                    if (frozen) {
                      hung = true;
                    }
                    if (hung || (!fromClient && repliesHung)) {
                      park(); // stop forwarding; the bytes read are never delivered
                      return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    byte[] marker = freezeRepliesAfter;
                    if (fromClient && marker != null && contains(buffer, n, marker)) {
                      freezeRepliesAfter = null;
                      repliesHung = true;
                    }
                  }
                } catch (IOException e) {
                  // a side closed
                }
                close();
              },
              "freezing-proxy-" + (fromClient ? "up" : "down"));
      t.setDaemon(true);
      t.start();
    }

    /** A hung link forwards nothing more; it only waits for the proxy to close. */
    private void park() {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void closeServerSide() {
      try {
        server.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }

    void close() {
      closed.countDown();
      try {
        client.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      try {
        server.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private static boolean contains(byte[] buffer, int length, byte[] marker) {
    outer:
    for (int i = 0; i + marker.length <= length; i++) {
      for (int j = 0; j < marker.length; j++) {
        if (buffer[i + j] != marker[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
