package dev.tally.server.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.EofSensorInputStream;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP client of the upstreams: Apache HttpClient's blocking client over a pool of kept-alive
 * HTTP/1.1 connections, so a call is written and read on the request thread itself, with no
 * selector thread or future between them (the JDK client's blocking send goes through its
 * asynchronous machinery, several thread hand-offs per call). I/O failures become {@link
 * UpstreamFailure}s, their text scrubbed of the upstream's key; a streamed body is read line by
 * line.
 *
 * <p>Timeouts: {@code connectTimeout} to connect (and to get a pooled connection); {@code timeout}
 * for any wait on the upstream's bytes: its answer, and for a stream each silence between two
 * reads. A pooled connection idle for {@value #EVICT_IDLE_SECONDS} s is closed. One idle for less
 * is used as it is, unless {@code validateAfterIdle} asks for a check (which blocks the request's
 * thread for 1 ms: Apache's check is a read that waits that long for the upstream's close; it made
 * the gateway's p99 under load, see docs/PERFORMANCE.md). A request that meets a connection the
 * upstream closed is sent once more, on a new connection ({@link #closedBeforeAnswering}).
 */
final class UpstreamHttp implements AutoCloseable {
  /** The most of an error body read from a failed stream. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  /** Connections open at once, to all upstreams together (more than the server has threads). */
  static final int MAX_CONNECTIONS = 1024;

  static final int EVICT_IDLE_SECONDS = 60;

  private final CloseableHttpClient http;
  private final PoolingHttpClientConnectionManager pool;
  private final Duration timeout;

  /**
   * With idle connections never checked before use, as {@link
   * GatewaySettings#DEFAULT_VALIDATE_AFTER_IDLE} configures.
   */
  UpstreamHttp(Duration connectTimeout, Duration timeout) {
    this(connectTimeout, timeout, Duration.ZERO);
  }

  /**
   * @param validateAfterIdle a pooled connection idle for longer is checked before its next use;
   *     zero: never
   */
  UpstreamHttp(Duration connectTimeout, Duration timeout, Duration validateAfterIdle) {
    this.timeout = timeout;
    Timeout connect = Timeout.of(connectTimeout);
    Timeout read = Timeout.of(timeout);
    this.pool =
        PoolingHttpClientConnectionManagerBuilder.create()
            .setMaxConnTotal(MAX_CONNECTIONS)
            .setMaxConnPerRoute(MAX_CONNECTIONS)
            .setDefaultSocketConfig(
                SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(read).build())
            .setDefaultConnectionConfig(
                ConnectionConfig.custom()
                    .setConnectTimeout(connect)
                    .setSocketTimeout(read)
                    .setValidateAfterInactivity(
                        validateAfterIdle.isZero()
                            ? TimeValue.NEG_ONE_MILLISECOND
                            : TimeValue.ofMilliseconds(validateAfterIdle.toMillis()))
                    .build())
            .build();
    this.http =
        HttpClients.custom()
            .setConnectionManager(pool)
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setConnectionRequestTimeout(connect)
                    .setResponseTimeout(read)
                    .build())
            // the gateway decides what is sent again (see call); a body passes through as it is
            .disableAutomaticRetries()
            .disableRedirectHandling()
            .disableContentCompression()
            .disableCookieManagement()
            .disableAuthCaching()
            .disableConnectionState()
            .evictIdleConnections(TimeValue.ofSeconds(EVICT_IDLE_SECONDS))
            .build();
  }

  /**
   * POSTs {@code body} and reads the whole answer; any HTTP status is an answer.
   *
   * @param headers names and values, alternating
   * @throws UpstreamFailure when the upstream cannot be reached or does not answer in time
   */
  Upstream.Answer call(URI uri, byte[] body, Upstream upstream, String... headers) {
    for (int attempt = 1; ; attempt++) {
      try {
        return http.execute(
            post(uri, body, headers),
            response -> {
              HttpEntity entity = response.getEntity();
              return new Upstream.Answer(
                  response.getCode(),
                  entity == null ? new byte[0] : EntityUtils.toByteArray(entity));
            });
      } catch (IOException e) {
        if (attempt == 1 && closedBeforeAnswering(e)) {
          dropIdle();
          continue;
        }
        throw failure(e, upstream);
      }
    }
  }

  /**
   * POSTs {@code body} and returns the answer's status with its body open, to read line by line;
   * the caller closes it.
   *
   * @param headers names and values, alternating
   * @throws UpstreamFailure when the upstream cannot be reached or does not answer in time
   */
  LineStream stream(URI uri, byte[] body, Upstream upstream, String... headers) {
    for (int attempt = 1; ; attempt++) {
      ClassicHttpResponse response;
      try {
        response = http.executeOpen(null, post(uri, body, headers), null);
      } catch (IOException e) {
        if (attempt == 1 && closedBeforeAnswering(e)) {
          dropIdle();
          continue;
        }
        throw failure(e, upstream);
      }
      HttpEntity entity = response.getEntity();
      try {
        return new LineStream(
            response.getCode(),
            entity == null ? InputStream.nullInputStream() : entity.getContent());
      } catch (IOException e) {
        close(response);
        throw failure(e, upstream);
      }
    }
  }

  /**
   * The upstream closed a pooled connection: it closes idle connections, so those idle beside it
   * are likely closed too. They are all dropped, so the request is sent again on a new connection
   * rather than on the next closed one (which matters when idle connections are not checked before
   * use).
   */
  private void dropIdle() {
    pool.closeIdle(TimeValue.ZERO_MILLISECONDS);
  }

  private static HttpPost post(URI uri, byte[] body, String... headers) {
    HttpPost post = new HttpPost(uri);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      post.setHeader(headers[i], headers[i + 1]);
    }
    post.setEntity(new ByteArrayEntity(body, null));
    return post;
  }

  private UpstreamFailure failure(IOException e, Upstream upstream) {
    if (e instanceof SocketTimeoutException && !(e instanceof ConnectTimeoutException)) {
      return new UpstreamFailure(
          UpstreamFailure.Kind.TIMEOUT,
          "upstream '" + upstream.name() + "' did not answer within " + timeout.toMillis() + " ms");
    }
    return new UpstreamFailure(
        UpstreamFailure.Kind.CONNECT,
        "upstream '"
            + upstream.name()
            + "' could not be reached: "
            + upstream.scrub(String.valueOf(e.getMessage())));
  }

  /**
   * Whether the connection ended before the first byte of an answer: a stale pooled connection, one
   * the upstream closed (as servers do after idle time) before it read or answered the request.
   * Such a request is sent once more on a new connection. That can repeat a request the upstream
   * had read before it closed; the alternative is a 502 after every idle period, and a chat
   * completion changes nothing upstream but its cost.
   */
  static boolean closedBeforeAnswering(IOException e) {
    return e instanceof NoHttpResponseException;
  }

  private static void close(ClassicHttpResponse response) {
    try {
      response.close();
    } catch (IOException e) {
      // nothing else to do
    }
  }

  @Override
  public void close() {
    try {
      http.close();
    } catch (IOException e) {
      // closing at shutdown; nothing else to do
    }
  }

  /**
   * The body of a streamed answer, line by line. {@link #close} reads what is left of it, so that
   * its connection goes back to the pool; {@link #cancel} closes the connection at once, which ends
   * the upstream's exchange.
   */
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

    /** Lines buffered, or bytes received and not yet read (not across a chunk boundary). */
    @Override
    public boolean ready() throws IOException {
      return lines.ready();
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
    public void cancel() {
      try {
        if (body instanceof EofSensorInputStream sensor) {
          sensor.abort();
        } else {
          body.close();
        }
      } catch (IOException e) {
        // cancelling; nothing else to do
      }
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // the connection is dropped instead of pooled; nothing else to do
      }
    }
  }
}
