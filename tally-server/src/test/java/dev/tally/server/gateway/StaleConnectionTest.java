package dev.tally.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream that closes a kept-alive connection instead of answering the next request on it (as
 * servers do with idle connections): the gateway sends that request once more on a new connection,
 * and only once — also when idle connections are never checked before use ({@code
 * validate-after-idle=0s}) and the pool holds several the upstream closed.
 */
class StaleConnectionTest {
  private final AtomicInteger requests = new AtomicInteger();
  private ServerSocket server;
  private Thread acceptor;

  /** Answers the first request of each connection; reads and drops any later one, then closes. */
  private void start(boolean answerNothing) throws IOException {
    start(answerNothing, 1);
  }

  /**
   * The same, one thread per connection; the first answers wait until {@code together} requests
   * have arrived (so that a client holds that many connections at once).
   */
  private void start(boolean answerNothing, int together) throws IOException {
    CountDownLatch arrived = new CountDownLatch(together);
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  Thread t = new Thread(() -> serve(s, answerNothing, arrived), "stale-conn");
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  // the test closed the server
                }
              }
            },
            "stale-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(Socket socket, boolean answerNothing, CountDownLatch arrived) {
    try (Socket s = socket) {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      boolean answered = answerNothing;
      while (readRequest(in)) {
        requests.incrementAndGet();
        if (answered) {
          break; // a stale connection: closed without a byte of an answer
        }
        arrived.countDown();
        if (!arrived.await(5, TimeUnit.SECONDS)) {
          throw new IOException("the other requests did not arrive");
        }
        byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        answered = true;
      }
    } catch (IOException | InterruptedException e) {
      // the test closed the server, or the client went away
    }
  }

  /** Reads one request (headers and a Content-Length body); false at the end of the stream. */
  private static boolean readRequest(BufferedReader in) throws IOException {
    String line = in.readLine();
    if (line == null) {
      return false;
    }
    int length = 0;
    while ((line = in.readLine()) != null && !line.isEmpty()) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      in.read();
    }
    return true;
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  private Upstream.Answer send(UpstreamHttp http, Upstream upstream) {
    return http.call(
        URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/x"),
        "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8),
        upstream,
        "Content-Type",
        "application/json");
  }

  @Test
  void aRequestOnAConnectionTheUpstreamClosedIsSentOnceMoreOnANewOne() throws IOException {
    start(false);
    UpstreamHttp http = new UpstreamHttp(Duration.ofSeconds(5), Duration.ofSeconds(5));
    Upstream upstream = UpstreamsTest.upstream("u", List.of("m"), Map.of(), null);

    assertThat(send(http, upstream).status()).isEqualTo(200);
    assertThat(send(http, upstream).status()).isEqualTo(200);

    // the second request reached the stale connection, then a fresh one
    assertThat(requests.get()).isEqualTo(3);
  }

  @Test
  void
      withoutTheIdleCheckEveryPooledConnectionTheUpstreamClosedIsDroppedAndTheRequestGoesOnANewOne()
          throws Exception {
    start(false, 3);
    UpstreamHttp http =
        new UpstreamHttp(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO);
    Upstream upstream = UpstreamsTest.upstream("u", List.of("m"), Map.of(), null);
    ExecutorService three = Executors.newFixedThreadPool(3);
    try {
      List<Future<Upstream.Answer>> first = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        first.add(three.submit(() -> send(http, upstream)));
      }
      for (Future<Upstream.Answer> f : first) {
        assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
    } finally {
      three.shutdownNow();
    }

    // three pooled connections, each of which the upstream closes at its next request
    assertThat(send(http, upstream).status()).isEqualTo(200);
    assertThat(send(http, upstream).status()).isEqualTo(200);

    // 3 answered; then one stale connection met, the other two dropped with it, a new one answered;
    // then the new one's second request closed, and one more new connection
    assertThat(requests.get()).isEqualTo(3 + 2 + 2);
  }

  @Test
  void anUpstreamThatNeverAnswersIsTriedTwiceAndIsThenAFailure() throws IOException {
    start(true);
    UpstreamHttp http = new UpstreamHttp(Duration.ofSeconds(5), Duration.ofSeconds(5));
    Upstream upstream = UpstreamsTest.upstream("u", List.of("m"), Map.of(), null);

    assertThatThrownBy(() -> send(http, upstream))
        .isInstanceOf(UpstreamFailure.class)
        .hasMessageContaining("upstream 'u' could not be reached");
    assertThat(requests.get()).isEqualTo(2);
  }
}
