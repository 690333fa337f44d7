package dev.tally.spring.aop;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/** Reactor return types; loaded only when Reactor is on the classpath. */
final class ReactorSupport {
  private ReactorSupport() {}

  static boolean isReactive(@Nullable Object value) {
    return value instanceof Mono || value instanceof Flux;
  }

  /**
   * Wraps the publisher so the operation ends once: on completion (with a Mono's value, or a Flux's
   * last element), on error, or on cancellation (tracked as a failure).
   */
  static Object track(Object publisher, BiConsumer<@Nullable Object, @Nullable Throwable> done) {
    AtomicBoolean ended = new AtomicBoolean();
    AtomicReference<@Nullable Object> last = new AtomicReference<>();
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    Consumer<SignalType> onFinally =
        signal -> {
          if (!ended.compareAndSet(false, true)) {
            return;
          }
          switch (signal) {
            case ON_ERROR -> done.accept(null, failure.get());
            case CANCEL -> done.accept(null, new CancellationException("subscriber cancelled"));
            default -> done.accept(last.get(), null);
          }
        };
    if (publisher instanceof Mono<?> mono) {
      return mono.doOnNext(last::set).doOnError(failure::set).doFinally(onFinally);
    }
    return ((Flux<?>) publisher).doOnNext(last::set).doOnError(failure::set).doFinally(onFinally);
  }
}
