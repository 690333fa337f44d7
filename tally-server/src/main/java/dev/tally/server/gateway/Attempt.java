package dev.tally.server.gateway;

import dev.tally.core.UsageStream;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * A call to a route's upstream and, when it cannot be reached, times out or answers 5xx, one call
 * to its fallback. The attempt is recorded on the usage stream: {@value #UPSTREAM} names the
 * upstream that answered; after a fallback {@value #FALLBACK_FROM} and {@value #FIRST_ERROR} say
 * which upstream failed and how.
 */
final class Attempt {
  static final String UPSTREAM = "tally.gateway.upstream";
  static final String FALLBACK_FROM = "tally.gateway.fallback_from";
  static final String FIRST_ERROR = "tally.gateway.first_error";

  private Attempt() {}

  /** What answered and its answer. */
  record Result<T>(Upstream upstream, T answer) {}

  /**
   * @param call calls one upstream
   * @param status the HTTP status of an answer
   * @param discard releases an answer that is not used (a failed stream)
   * @throws UpstreamFailure when the last upstream tried could not be reached or timed out
   */
  static <T> Result<T> run(
      Upstreams upstreams,
      Upstream primary,
      GatewayExchange exchange,
      UsageStream usage,
      Function<Upstream, T> call,
      ToIntFunction<T> status,
      java.util.function.Consumer<T> discard) {
    @Nullable Upstream fallback = upstreams.fallbackOf(primary);
    String firstError;
    exchange.upstreamStarted();
    try {
      T answer = call.apply(primary);
      int code = status.applyAsInt(answer);
      if (code < 500 || fallback == null) {
        usage.attribute(UPSTREAM, primary.name());
        return new Result<>(primary, answer);
      }
      discard.accept(answer);
      firstError = "http_" + code;
    } catch (UpstreamFailure e) {
      if (fallback == null) {
        usage.attribute(UPSTREAM, primary.name());
        throw e;
      }
      firstError = e.kind().name().toLowerCase(java.util.Locale.ROOT);
    } finally {
      exchange.upstreamAnswered();
    }
    usage.attribute(UPSTREAM, fallback.name());
    usage.attribute(FALLBACK_FROM, primary.name());
    usage.attribute(FIRST_ERROR, firstError);
    exchange.upstreamStarted();
    try {
      return new Result<>(fallback, call.apply(fallback));
    } finally {
      exchange.upstreamAnswered();
    }
  }
}
