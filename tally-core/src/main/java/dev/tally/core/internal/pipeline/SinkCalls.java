package dev.tally.core.internal.pipeline;

import dev.tally.core.sink.UsageSink;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Calls into a sink that never throw. */
public final class SinkCalls {
  private SinkCalls() {}

  /** Calls {@code action}, turning a thrown exception or a null result into a failed future. */
  public static CompletableFuture<Void> safely(
      UsageSink sink, Function<UsageSink, CompletableFuture<Void>> action) {
    try {
      CompletableFuture<Void> result = action.apply(sink);
      return result != null
          ? result
          : CompletableFuture.failedFuture(
              new IllegalStateException(sink.name() + " returned a null future"));
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
      return CompletableFuture.failedFuture(t);
    }
  }
}
