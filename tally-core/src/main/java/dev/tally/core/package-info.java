/**
 * Tally's tracking API, the part application code calls: the {@link dev.tally.core.UsageTracker}
 * service (timing API, {@code call}/{@code callAsync} with a {@link dev.tally.core.ResultMapper},
 * streamed operations through {@link dev.tally.core.UsageStream}), the {@link
 * dev.tally.core.TrackUsage} annotation, the typed {@link dev.tally.core.UsageEventBus}, and the
 * privacy setting {@link dev.tally.core.ContentCapture}.
 *
 * <p>The flow, one package per step: the event model ({@code dev.tally.core.event}) is built here,
 * handed to the {@code dev.tally.core.pipeline}, delivered to a {@code dev.tally.core.sink}, and
 * read back through {@code dev.tally.core.query}; {@code dev.tally.core.pricing} and {@code
 * dev.tally.core.budget} decorate sinks. Nothing in this package depends on a framework.
 */
@NullMarked
package dev.tally.core;

import org.jspecify.annotations.NullMarked;
