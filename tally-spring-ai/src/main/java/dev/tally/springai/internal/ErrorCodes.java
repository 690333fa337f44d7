package dev.tally.springai.internal;

import dev.tally.core.event.ErrorInfo;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A stable error code for a failed model call, independent of which SDK or HTTP client the model
 * uses: {@code provider.http_<status>} when any exception in the cause chain carries an HTTP status
 * (the OpenAI and Anthropic SDKs' {@code statusCode()}, Spring's {@code getStatusCode()}), {@code
 * provider.timeout}, {@code provider.io}, else the exception's class name. The message is kept
 * (truncated by {@link ErrorInfo}).
 */
public final class ErrorCodes {
  private ErrorCodes() {}

  public static ErrorInfo of(Throwable error) {
    Throwable root = error;
    while ((root instanceof CompletionException || root instanceof ExecutionException)
        && root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage();
    int depth = 0;
    boolean timeout = false;
    boolean io = false;
    for (Throwable t = root; t != null && depth < 8; t = t.getCause(), depth++) {
      Integer status = status(t);
      if (status != null) {
        return new ErrorInfo("provider.http_" + status, message);
      }
      timeout |=
          t instanceof TimeoutException
              || t instanceof SocketTimeoutException
              || t instanceof HttpTimeoutException;
      io |= t instanceof IOException;
    }
    if (timeout) {
      return new ErrorInfo("provider.timeout", message);
    }
    if (io) {
      return new ErrorInfo("provider.io", message);
    }
    return new ErrorInfo(root.getClass().getName(), message);
  }

  /** A public no-argument statusCode()/getStatusCode() returning an int or an HttpStatusCode. */
  private static @Nullable Integer status(Throwable t) {
    for (String name : new String[] {"statusCode", "getStatusCode", "getRawStatusCode"}) {
      try {
        Method method = t.getClass().getMethod(name);
        Object value = method.invoke(t);
        if (value instanceof Integer code && code >= 100 && code <= 599) {
          return code;
        }
        if (value != null) {
          Method numeric = value.getClass().getMethod("value");
          Object code = numeric.invoke(value);
          if (code instanceof Integer c && c >= 100 && c <= 599) {
            return c;
          }
        }
      } catch (ReflectiveOperationException | RuntimeException | LinkageError ignored) {
        // not this shape; try the next name
      }
    }
    return null;
  }
}
