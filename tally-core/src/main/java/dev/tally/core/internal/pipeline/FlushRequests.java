package dev.tally.core.internal.pipeline;

import dev.tally.core.sink.UsageSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Callers of {@code flush()} waiting until what was accepted before their call is delivered; the
 * one rule both workers follow. A request is completed after the sink's own flush, whose failure or
 * timeout still completes it (a flush never fails the caller).
 */
final class FlushRequests {
  private record Request(long target, CompletableFuture<Void> done) {}

  private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();

  /**
   * A request for everything up to {@code target}; already complete when the worker has ended (the
   * worker completes what is still queued when it ends).
   */
  CompletableFuture<Void> add(long target, boolean terminated) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (terminated) {
      done.complete(null);
    } else {
      queue.add(new Request(target, done));
    }
    return done;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /**
   * Completes, after the sink's flush, every request whose target {@code done} has reached, or
   * every request when {@code all}.
   */
  void completeReached(long done, boolean all, UsageSink sink, long timeoutNanos) {
    if (queue.isEmpty()) {
      return;
    }
    for (Request request : queue) {
      if ((all || done >= request.target()) && queue.remove(request)) {
        SinkCalls.safely(sink, UsageSink::flush)
            .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS)
            .whenComplete((ok, error) -> request.done().complete(null));
      }
    }
  }

  /** Completes every waiting request at once (the worker has ended). */
  void completeAllNow() {
    Request request;
    while ((request = queue.poll()) != null) {
      request.done().complete(null);
    }
  }
}
