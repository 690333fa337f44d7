package dev.tally.server.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Holds every request body to {@code tally.server.http.max-body-size} where the bytes arrive: a
 * declared {@code Content-Length} over the limit is answered 413 before anything is read, and the
 * input stream of every other request counts what it hands out and fails with {@link
 * BodyTooLargeException} at the first byte past the limit, whether the body is chunked or not. The
 * failed read becomes a 413 problem (in {@code ProblemAdvice}, or here if it escapes the
 * controllers), and no reader ever holds more than the limit. A response to a chunked body left
 * unread says {@code Connection: close} ({@link UnreadBodyResponse}).
 */
final class BodyLimitFilter extends OncePerRequestFilter {
  private final long maxBytes;
  private final JsonMapper json;

  BodyLimitFilter(long maxBytes, JsonMapper json) {
    this.maxBytes = maxBytes;
    this.json = json;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      Problems.write(
          response,
          json,
          HttpStatus.CONTENT_TOO_LARGE,
          "request body is " + declared + " bytes, at most " + maxBytes + " are accepted",
          request.getRequestURI());
      return;
    }
    LimitedRequest limited = new LimitedRequest(request, maxBytes);
    UnreadBodyResponse guarded = new UnreadBodyResponse(response, limited::readToEnd);
    try {
      chain.doFilter(limited, guarded);
      // Committed by the container after this returns: the last chance to say it closes.
      guarded.beforeCommit(guarded.getStatus());
    } catch (IOException | ServletException | RuntimeException e) {
      BodyTooLargeException tooLarge = BodyTooLargeException.find(e);
      if (tooLarge == null || response.isCommitted()) {
        throw e;
      }
      response.reset();
      Problems.write(
          response,
          json,
          HttpStatus.CONTENT_TOO_LARGE,
          tooLarge.getMessage(),
          request.getRequestURI());
    }
  }

  /** The request with its body read through a {@link LimitedInputStream}. */
  private static final class LimitedRequest extends HttpServletRequestWrapper {
    private final long maxBytes;
    private @Nullable LimitedInputStream in;
    private @Nullable BufferedReader reader;

    LimitedRequest(HttpServletRequest request, long maxBytes) {
      super(request);
      this.maxBytes = maxBytes;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (in == null) {
        in = new LimitedInputStream(super.getInputStream(), maxBytes);
      }
      return in;
    }

    /**
     * Reads what is left of a chunked body, up to the limit, and says whether it ended. A body with
     * a declared length, or none at all, is Tomcat's to drain, and it does so correctly.
     */
    boolean readToEnd() {
      if (getContentLengthLong() >= 0 || getHeader("Transfer-Encoding") == null) {
        return true;
      }
      try {
        ServletInputStream body = getInputStream();
        byte[] discard = new byte[8192];
        while (body.read(discard) >= 0) {
          // Discarded: nobody wanted it, and the limit bounds how much is read.
        }
        return true;
      } catch (IOException | IllegalStateException e) {
        return false;
      }
    }

    @Override
    public BufferedReader getReader() throws IOException {
      if (reader == null) {
        String encoding = getCharacterEncoding();
        Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
        reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
      }
      return reader;
    }
  }

  /**
   * Hands out at most {@code maxBytes} bytes: a read that would pass them asks the container for
   * only one byte more than the limit allows, and finding it fails (then and on every later read).
   */
  static final class LimitedInputStream extends ServletInputStream {
    private final ServletInputStream in;
    private final long maxBytes;
    private long count;
    private boolean exceeded;

    LimitedInputStream(ServletInputStream in, long maxBytes) {
      this.in = in;
      this.maxBytes = maxBytes;
    }

    @Override
    public int read() throws IOException {
      check();
      int b = in.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      check();
      if (length == 0) {
        return 0;
      }
      int allowed = (int) Math.min(length, maxBytes - count + 1);
      int n = in.read(buffer, offset, allowed);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return exceeded ? 0 : in.available();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    @Override
    public boolean isFinished() {
      return exceeded || in.isFinished();
    }

    @Override
    public boolean isReady() {
      return exceeded || in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }

    private void counted(int n) throws BodyTooLargeException {
      count += n;
      check();
    }

    private void check() throws BodyTooLargeException {
      if (count > maxBytes) {
        exceeded = true;
        throw new BodyTooLargeException(maxBytes);
      }
    }
  }
}
