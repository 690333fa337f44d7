package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.pipeline.ExportObserver;
import dev.tally.core.sink.UsageSink;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Calls the sink on its own daemon thread ({@code tally-pipeline-exporter-N}) and waits at most the
 * export timeout, so a sink that hangs in I/O never parks the worker. An export that runs longer is
 * abandoned and counted; no other export starts until the abandoned call has returned ({@code
 * docs/PIPELINE.md}, "Stalled and hung sinks"). Worker thread only.
 */
public final class SinkExporter {
  private final UsageSink sink;
  private final long exportTimeoutNanos;
  private final PipelineCounters counters;
  private final ExportObserver observer;
  private final OnceLogger failures;
  private final Runnable onAbandonedCallEnded;
  private final ExecutorService executor;
  private @Nullable CompletableFuture<?> abandonedCall;

  public SinkExporter(
      UsageSink sink,
      Duration exportTimeout,
      PipelineCounters counters,
      ExportObserver observer,
      OnceLogger failures,
      String threadName,
      Runnable onAbandonedCallEnded) {
    this.sink = sink;
    this.exportTimeoutNanos = exportTimeout.toNanos();
    this.counters = counters;
    this.observer = observer;
    this.failures = failures;
    this.onAbandonedCallEnded = onAbandonedCallEnded;
    this.executor =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread t = new Thread(task, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  public String sinkName() {
    return sink.name();
  }

  /**
   * Exports {@code events} and returns null on success, else the failure: the sink's, a {@link
   * StalledExportException} when the call ran past the timeout (or cannot start because an earlier
   * one still hangs). Never throws.
   *
   * @param maxWaitNanos a tighter bound than the export timeout (while closing), or {@code
   *     Long.MAX_VALUE}
   */
  public @Nullable Throwable export(List<UsageEvent> events, long maxWaitNanos) {
    long start = System.nanoTime();
    if (abandonedCall != null) {
      if (!abandonedCall.isDone()) {
        // Not an attempt: the sink is not called.
        return new StalledExportException(
            "the previous export to sink "
                + sink.name()
                + " ran past the export timeout and has not returned yet");
      }
      abandonedCall = null;
    }
    List<UsageEvent> view = Collections.unmodifiableList(events);
    CompletableFuture<CompletableFuture<Void>> call;
    try {
      call =
          CompletableFuture.supplyAsync(
              () -> SinkCalls.safely(sink, s -> s.export(view)), executor);
    } catch (RejectedExecutionException e) {
      call = CompletableFuture.completedFuture(CompletableFuture.failedFuture(e));
    }
    CompletableFuture<Void> result = call.thenCompose(f -> f);
    Throwable failure = null;
    long timeout = Math.max(1_000_000L, Math.min(exportTimeoutNanos, maxWaitNanos));
    try {
      result.get(timeout, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      failure = e.getCause() == null ? e : e.getCause();
    } catch (TimeoutException e) {
      counters.exportTimeouts.increment();
      failure =
          new StalledExportException(
              "export of "
                  + events.size()
                  + " events did not complete in "
                  + Duration.ofNanos(timeout));
      if (!call.isDone()) {
        // The sink's own call hangs (a synchronous store stuck in I/O or a lock): leave it.
        abandonedCall = call;
        call.whenComplete((ignored, error) -> onAbandonedCallEnded.run());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = e;
    } catch (RuntimeException e) {
      failure = e;
    }
    if (failure != null) {
      counters.exportFailures.increment();
      failures.failure(
          "export-" + failure.getClass().getName(),
          "Tally: sink "
              + sink.name()
              + " failed to export "
              + events.size()
              + " events: "
              + failure);
    }
    try {
      observer.onExport(events.size(), System.nanoTime() - start, failure);
    } catch (RuntimeException e) {
      failures.failure("observer", "Tally: export observer threw", e);
    }
    return failure;
  }

  /**
   * Stops the exporter thread once the current call returns. No interrupt: an abandoned call may be
   * inside I/O that an interrupt would break (a FileChannel closes on interrupt).
   */
  public void shutdown() {
    executor.shutdown();
  }

  /** An export that ran past the export timeout, or could not start because one still hangs. */
  public static final class StalledExportException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    StalledExportException(String message) {
      super(message);
    }
  }
}
