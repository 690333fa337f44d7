package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.PipelineStats;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** What {@code UsagePipeline} delegates to: the memory mode or the journal mode. */
public interface PipelineEngine {
  void submit(UsageEvent event);

  /** An event finished by {@code event}: on the worker (memory mode) or at once (journal). */
  void submitLater(Supplier<UsageEvent> event);

  CompletableFuture<Void> flush();

  PipelineStats stats();

  /** Starts shutdown once; the future completes when the worker has finished. */
  CompletableFuture<Void> shutdown();

  /** The worker thread (close() from it must not wait for itself). */
  Thread worker();

  /** The pipeline's directory (spool, dead letters, and the journal's parent by default). */
  Path directory();
}
