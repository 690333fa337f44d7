package dev.tally.server.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What the HTTP upstreams share: a call whose I/O failures become {@link UpstreamFailure}s (their
 * text scrubbed of the upstream's key), and a streamed body read line by line.
 */
final class UpstreamHttp {
  /** The most of an error body read from a failed stream. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  private UpstreamHttp() {}

  /**
   * Sends a request; any HTTP status is an answer. A request that met a stale pooled connection —
   * the upstream closed it before sending a single byte of an answer, as servers do with
   * connections left idle — is sent once more on a fresh connection. That can repeat a request the
   * upstream had read before it closed; the alternative is a 502 after every idle period, and a
   * chat completion changes nothing upstream but its cost.
   *
   * @throws UpstreamFailure when the upstream cannot be reached or does not answer in time
   */
  static <T> HttpResponse<T> send(
      HttpClient http,
      HttpRequest request,
      HttpResponse.BodyHandler<T> body,
      Upstream upstream,
      Duration timeout) {
    for (int attempt = 1; ; attempt++) {
      try {
        return http.send(request, body);
      } catch (HttpTimeoutException e) {
        throw new UpstreamFailure(
            UpstreamFailure.Kind.TIMEOUT,
            "upstream '"
                + upstream.name()
                + "' did not answer within "
                + timeout.toMillis()
                + " ms");
      } catch (IOException e) {
        if (attempt == 1 && closedBeforeAnswering(e)) {
          continue;
        }
        throw new UpstreamFailure(
            UpstreamFailure.Kind.CONNECT,
            "upstream '"
                + upstream.name()
                + "' could not be reached: "
                + upstream.scrub(String.valueOf(e.getMessage())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UpstreamFailure(
            UpstreamFailure.Kind.CONNECT,
            "interrupted while waiting for upstream '" + upstream.name() + "'");
      }
    }
  }

  /**
   * Whether the connection ended before the first byte of an answer: the JDK client's end of stream
   * on a response header it had not begun to read.
   */
  static boolean closedBeforeAnswering(IOException e) {
    String message = e.getMessage();
    return e instanceof java.io.EOFException
        || message != null && message.contains("received no bytes");
  }

  /** The body of a streamed answer, line by line; closing it cancels the upstream exchange. */
  static final class LineStream implements Upstream.Stream {
    private final int status;
    private final InputStream body;
    private final BufferedReader lines;

    LineStream(int status, InputStream body) {
      this.status = status;
      this.body = body;
      this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    @Override
    public int status() {
      return status;
    }

    @Override
    public @Nullable String nextLine() throws IOException {
      return lines.readLine();
    }

    @Override
    public String errorBody() throws IOException {
      char[] head = new char[MAX_ERROR_BODY];
      int total = 0;
      int n;
      while (total < head.length && (n = lines.read(head, total, head.length - total)) > 0) {
        total += n;
      }
      return new String(head, 0, total);
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // closing is how we cancel; nothing else to do
      }
    }
  }
}
