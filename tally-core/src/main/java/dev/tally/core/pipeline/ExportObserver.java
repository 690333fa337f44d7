package dev.tally.core.pipeline;

import org.jspecify.annotations.Nullable;

/**
 * Told about every export attempt, for metrics such as export latency. Called on the pipeline
 * worker thread; it must be quick and must not throw (a throw is logged and ignored).
 */
@FunctionalInterface
public interface ExportObserver {
  ExportObserver NONE = (size, nanos, failure) -> {};

  /**
   * @param batchSize events in the batch
   * @param nanos time from export call to completion
   * @param failure the failure, or null on success
   */
  void onExport(int batchSize, long nanos, @Nullable Throwable failure);
}
