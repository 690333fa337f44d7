package dev.tally.core.sink;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.UsagePipeline;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where batches of usage events go: a store, a log, a message broker. The {@link UsagePipeline}
 * calls it from its single worker thread.
 *
 * <p>Contract for implementations, checked by the conformance kit in {@code tally-test}:
 *
 * <ul>
 *   <li><b>Idempotent by id.</b> An event whose id the sink already has is ignored, so retries and
 *       spool replays never count twice. The same id twice in one batch is stored once.
 *   <li><b>Failures are results.</b> {@link #export} reports trouble by completing the future
 *       exceptionally. A {@link UsageRejectedException} says the batch holds data the sink will
 *       never accept (the pipeline then splits it to find the bad event); any other exception is
 *       taken as transient and retried. A sink that throws instead is treated the same way.
 *   <li>An empty batch completes successfully and does nothing.
 *   <li>After {@link #shutdown()}, export completes exceptionally; it never hangs.
 * </ul>
 */
public interface UsageSink {

  /** Exports one batch. The future completes when the batch is durable in the sink. */
  CompletableFuture<Void> export(List<UsageEvent> batch);

  /** Completes when everything exported so far is durable. Default: already complete. */
  default CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Releases resources. Called once, by the pipeline's close. Exports still in flight complete or
   * fail; none is left hanging. Default: already complete.
   */
  default CompletableFuture<Void> shutdown() {
    return CompletableFuture.completedFuture(null);
  }

  /** A short name for logs and metrics. */
  default String name() {
    return getClass().getSimpleName();
  }
}
