package dev.tally.server.web;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's error report as a problem: errors Tomcat raises before any servlet runs (an encoded
 * {@code /} or NUL in the path, a URI it cannot decode, a request it cannot map) are answered with
 * RFC 9457 JSON instead of Tomcat's HTML page, with a detail of our own (never Tomcat's message or
 * server version). It replaces the host's {@link ErrorReportValve}; errors inside the application
 * reach {@code ProblemErrorController} through the error page instead.
 */
final class ProblemErrorReportValve extends ErrorReportValve {
  private final JsonMapper json;

  ProblemErrorReportValve(JsonMapper json) {
    this.json = json;
    setShowReport(false);
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, @Nullable Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(false);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    HttpStatus known = HttpStatus.resolve(status);
    if (known == null) {
      known = status >= 500 ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.BAD_REQUEST;
    }
    try {
      response.resetBuffer();
      Problems.write(response, json, known, detail(status), null);
      response.finishResponse();
    } catch (IOException | IllegalStateException e) {
      // The client is gone or the response committed meanwhile: nothing more can be said.
    }
  }

  private static String detail(int status) {
    return status == 400
        ? "the request is malformed: its request line, URI or headers cannot be read (an encoded"
            + " '/', '\\' or NUL in the path is refused, and so are headers over the size limit)"
        : Problems.describe(status);
  }
}
