/**
 * The asynchronous pipeline between the tracker and the sinks: {@link
 * dev.tally.core.pipeline.UsagePipeline} (a small façade; its engines live in {@code
 * dev.tally.core.internal.pipeline}), the {@link dev.tally.core.pipeline.Durability} modes (an
 * in-memory queue, or a crash-safe journal with or without group fsync), what happens when the
 * queue or journal is full ({@link dev.tally.core.pipeline.OverflowPolicy}, {@link
 * dev.tally.core.pipeline.JournalCapPolicy}) and what it reports ({@link
 * dev.tally.core.pipeline.PipelineStats}, {@link dev.tally.core.pipeline.JournalCounts}, {@link
 * dev.tally.core.pipeline.DropReason}). Never blocks the caller beyond its stated policy.
 */
@NullMarked
package dev.tally.core.pipeline;

import org.jspecify.annotations.NullMarked;
