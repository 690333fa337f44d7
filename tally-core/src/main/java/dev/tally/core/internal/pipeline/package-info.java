/**
 * The pipeline's parts behind the {@code UsagePipeline} façade: the memory and journal engines and
 * their workers, the delivery policy (retry, bisection to the dead letter), sink health and probe,
 * counters, the spool, and the crash-safe journal (memory-mapped segments, checkpoint, recovery).
 * <strong>Not public API:</strong> anything here may change or disappear in any release; use the
 * types in {@code dev.tally.core.pipeline} instead.
 */
@NullMarked
package dev.tally.core.internal.pipeline;

import org.jspecify.annotations.NullMarked;
