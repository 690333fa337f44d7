package dev.tally.server.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;

/**
 * A response that says {@code Connection: close} when it commits while the request still has a
 * chunked body nobody read to its end within the limit. Tomcat drains at most {@code
 * server.tomcat.max-swallow-size} of such a body after the response and then closes the connection
 * without a word, so a client that kept it alive would find it dead on its next request. A body
 * with a {@code Content-Length} needs none of this: Tomcat sees its size and says so itself.
 */
final class UnreadBodyResponse extends HttpServletResponseWrapper {
  /** Statuses on which Tomcat closes the connection anyway (its list, after Apache httpd's). */
  private static final Set<Integer> CLOSING = Set.of(400, 408, 411, 413, 414, 500, 501, 503);

  private final BooleanSupplier bodyRead;
  private boolean checked;
  private @Nullable ServletOutputStream out;

  /**
   * @param bodyRead reads what is left of the body up to the limit, and says whether it ended
   */
  UnreadBodyResponse(HttpServletResponse response, BooleanSupplier bodyRead) {
    super(response);
    this.bodyRead = bodyRead;
  }

  /** Before the headers go out: close the connection unless the body has been read. */
  void beforeCommit(int status) {
    if (checked || isCommitted()) {
      return;
    }
    checked = true;
    if (!CLOSING.contains(status) && !bodyRead.getAsBoolean()) {
      setHeader(HttpHeaders.CONNECTION, "close");
    }
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (out == null) {
      out = new Guarded(super.getOutputStream());
    }
    return out;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    beforeCommit(getStatus());
    return super.getWriter();
  }

  @Override
  public void flushBuffer() throws IOException {
    beforeCommit(getStatus());
    super.flushBuffer();
  }

  @Override
  public void sendError(int sc) throws IOException {
    beforeCommit(sc);
    super.sendError(sc);
  }

  @Override
  public void sendError(int sc, String msg) throws IOException {
    beforeCommit(sc);
    super.sendError(sc, msg);
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    beforeCommit(302);
    super.sendRedirect(location);
  }

  /** The output stream, checking before its first byte. */
  private final class Guarded extends ServletOutputStream {
    private final ServletOutputStream delegate;

    Guarded(ServletOutputStream delegate) {
      this.delegate = delegate;
    }

    @Override
    public void write(int b) throws IOException {
      beforeCommit(getStatus());
      delegate.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      beforeCommit(getStatus());
      delegate.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      beforeCommit(getStatus());
      delegate.flush();
    }

    @Override
    public void close() throws IOException {
      beforeCommit(getStatus());
      delegate.close();
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      delegate.setWriteListener(listener);
    }
  }
}
