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
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hung upstream: one that reads the request and never answers is a TIMEOUT failure (the gateway
 * answers 504 or goes to the fallback); a stream that goes silent after its first event ends with a
 * timeout on the next read instead of holding the request thread for ever.
 */
class UpstreamTimeoutTest {
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  private final CountDownLatch release = new CountDownLatch(1);
  private ServerSocket server;

  /** Reads one request, writes {@code head} (possibly nothing), then holds the connection. */
  private void start(String head) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              try (Socket s = server.accept()) {
                BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                  // headers; the small body stays unread
                }
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                release.await();
              } catch (IOException | InterruptedException e) {
                // the test ended
              }
            },
            "hung-upstream");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stop() throws IOException {
    release.countDown();
    server.close();
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions");
  }

  private static byte[] body() {
    return "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anUpstreamThatNeverAnswersIsATimeoutNamingTheUpstream() throws IOException {
    start("");
    Upstream upstream = UpstreamsTest.upstream("slow", List.of("m"), Map.of(), null);
    try (UpstreamHttp http = new UpstreamHttp(Duration.ofSeconds(5), TIMEOUT)) {
      assertThatThrownBy(() -> http.call(uri(), body(), upstream))
          .isInstanceOfSatisfying(
              UpstreamFailure.class,
              f -> assertThat(f.kind()).isEqualTo(UpstreamFailure.Kind.TIMEOUT))
          .hasMessage("upstream 'slow' did not answer within 300 ms");
    }
  }

  @Test
  void aStreamThatGoesSilentAfterItsFirstEventEndsWithATimeout() throws IOException {
    start(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunk("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"));
    Upstream upstream = UpstreamsTest.upstream("slow", List.of("m"), Map.of(), null);
    try (UpstreamHttp http = new UpstreamHttp(Duration.ofSeconds(5), TIMEOUT);
        UpstreamHttp.LineStream stream = http.stream(uri(), body(), upstream)) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.nextLine()).startsWith("data: {\"choices\"");
      assertThat(stream.nextLine()).isEmpty();

      assertThatThrownBy(stream::nextLine).isInstanceOf(SocketTimeoutException.class);
      stream.cancel();
    }
  }

  private static String chunk(String text) {
    return Integer.toHexString(text.getBytes(StandardCharsets.UTF_8).length)
        + "\r\n"
        + text
        + "\r\n";
  }
}
