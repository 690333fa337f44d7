package dev.tally.spring.web;

import dev.tally.core.UsageOperation;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.internal.OnceLogger;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.security.Principal;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

/**
 * HTTP middleware that records every request as a usage event: method, route template (never the
 * raw path), status, duration, request and response size, and the subject. Requests that throw, and
 * responses with status 400 or above, are recorded as errors with the status. The filter never
 * changes the request, the response or the exception.
 *
 * <p>The subject is, in order: the request attribute {@link #SUBJECT_ATTRIBUTE} (set by the
 * application's own authentication during the request), the authenticated principal's name, the
 * configured subject header, else anonymous.
 *
 * <p>Route values are bounded: requests no handler matched are recorded as {@code UNMATCHED}, and
 * after {@code maxRoutes} distinct templates further ones fold into {@code OTHER}.
 */
public final class UsageTrackingFilter extends OncePerRequestFilter {
  /** Request attribute an application may set to name the subject of the request. */
  public static final String SUBJECT_ATTRIBUTE = "tally.subject";

  static final String UNMATCHED = "UNMATCHED";

  private final UsageTracker tracker;
  private final String operation;
  private final List<Predicate<String>> includes;
  private final List<Predicate<String>> excludes;
  private final @Nullable String subjectHeader;
  private final RouteLimiter routes;
  private final AntPathMatcher matcher = new AntPathMatcher();
  private final OnceLogger failures =
      new OnceLogger(LoggerFactory.getLogger(UsageTrackingFilter.class));

  public UsageTrackingFilter(
      UsageTracker tracker,
      String operation,
      List<String> includePatterns,
      List<String> excludePatterns,
      @Nullable String subjectHeader,
      int maxRoutes) {
    this.tracker = tracker;
    this.operation = operation;
    this.includes = includePatterns.stream().map(this::compile).toList();
    this.excludes = excludePatterns.stream().map(this::compile).toList();
    this.subjectHeader = subjectHeader;
    this.routes = new RouteLimiter(maxRoutes);
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    if (!tracker.isEnabled()) {
      return true;
    }
    String path = request.getRequestURI().substring(request.getContextPath().length());
    for (Predicate<String> exclude : excludes) {
      if (exclude.test(path)) {
        return true;
      }
    }
    if (includes.isEmpty()) {
      return false;
    }
    for (Predicate<String> include : includes) {
      if (include.test(path)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Ant-style matching, decided once per pattern: a pattern without wildcards (the default {@code
   * /error} exclusion) becomes an equality test and the common {@code /prefix/**} shape (the
   * default actuator exclusion) a prefix test, instead of tokenizing the path on every request.
   */
  private Predicate<String> compile(String pattern) {
    if (!matcher.isPattern(pattern)) {
      return pattern::equals;
    }
    if (pattern.endsWith("/**")) {
      String prefix = pattern.substring(0, pattern.length() - 3);
      if (!matcher.isPattern(prefix)) {
        return path ->
            path.startsWith(prefix)
                && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
      }
    }
    return path -> matcher.match(pattern, path);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    UsageOperation op = tracker.start(operation);
    CountingResponse counting = new CountingResponse(response);
    Throwable failure = null;
    try {
      chain.doFilter(request, counting);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      failure = e;
      throw e;
    } finally {
      if (failure == null && request.isAsyncStarted()) {
        request.getAsyncContext().addListener(new CompletionListener(op, request, counting));
      } else {
        record(op, request, counting, failure);
      }
    }
  }

  /** Requests that could not be recorded (logged at WARN once, then DEBUG), since start. */
  public long failures() {
    return failures.count();
  }

  /** Distinct route values recorded so far (bounded by maxRoutes). */
  public int distinctRoutes() {
    return routes.size();
  }

  private void record(
      UsageOperation op,
      HttpServletRequest request,
      CountingResponse response,
      @Nullable Throwable failure) {
    try {
      int status = failure != null && response.getStatus() < 500 ? 500 : response.getStatus();
      op.subject(subject(request))
          .attribute("http.method", request.getMethod())
          .attribute("http.route", route(request))
          .attribute("http.status", Integer.toString(status))
          .attribute("http.request.size", Long.toString(request.getContentLengthLong()))
          .attribute("http.response.size", Long.toString(response.bytes()));
      if (failure != null) {
        op.failure(failure);
      } else if (status >= 400) {
        op.failure(new ErrorInfo("HTTP " + status, null), TokenUsage.missing());
      } else {
        op.success();
      }
    } catch (RuntimeException e) {
      failures.failure(
          "record", "Tally: could not record a request (the request is unaffected)", e);
    }
  }

  private String route(HttpServletRequest request) {
    Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
    if (pattern == null) {
      return UNMATCHED;
    }
    return routes.limit(pattern.toString());
  }

  private @Nullable String subject(HttpServletRequest request) {
    Object attribute = request.getAttribute(SUBJECT_ATTRIBUTE);
    if (attribute != null) {
      return attribute.toString();
    }
    Principal principal = request.getUserPrincipal();
    if (principal != null && principal.getName() != null && !principal.getName().isBlank()) {
      return principal.getName();
    }
    if (subjectHeader != null) {
      String header = request.getHeader(subjectHeader);
      if (header != null && !header.isBlank()) {
        return header;
      }
    }
    return null;
  }

  private final class CompletionListener implements AsyncListener {
    private final UsageOperation op;
    private final HttpServletRequest request;
    private final CountingResponse response;
    private final AtomicBoolean done = new AtomicBoolean();

    CompletionListener(UsageOperation op, HttpServletRequest request, CountingResponse response) {
      this.op = op;
      this.request = request;
      this.response = response;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      if (done.compareAndSet(false, true)) {
        record(op, request, response, null);
      }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      if (done.compareAndSet(false, true)) {
        record(op, request, response, event.getThrowable());
      }
    }

    @Override
    public void onError(AsyncEvent event) {
      if (done.compareAndSet(false, true)) {
        record(op, request, response, event.getThrowable());
      }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  /** Counts bytes written through the output stream; the writer falls back to Content-Length. */
  private static final class CountingResponse extends HttpServletResponseWrapper {
    private final AtomicLong written = new AtomicLong();
    private @Nullable ServletOutputStream stream;

    CountingResponse(HttpServletResponse response) {
      super(response);
    }

    long bytes() {
      long counted = written.get();
      if (counted > 0) {
        return counted;
      }
      String length = getHeader("Content-Length");
      try {
        return length == null ? counted : Long.parseLong(length);
      } catch (NumberFormatException e) {
        return counted;
      }
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      if (stream == null) {
        ServletOutputStream delegate = super.getOutputStream();
        stream =
            new ServletOutputStream() {
              @Override
              public boolean isReady() {
                return delegate.isReady();
              }

              @Override
              public void setWriteListener(WriteListener listener) {
                delegate.setWriteListener(listener);
              }

              @Override
              public void write(int b) throws IOException {
                delegate.write(b);
                written.incrementAndGet();
              }

              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                delegate.write(b, off, len);
                written.addAndGet(len);
              }

              @Override
              public void flush() throws IOException {
                delegate.flush();
              }

              @Override
              public void close() throws IOException {
                delegate.close();
              }
            };
      }
      return stream;
    }
  }
}
