/**
 * Tally's public core API: the {@link dev.tally.core.UsageEvent} model, the {@link
 * dev.tally.core.UsageTracker} service, the {@link dev.tally.core.UsageEventBus}, the asynchronous
 * {@link dev.tally.core.UsagePipeline} and the {@link dev.tally.core.UsageSink} SPI.
 *
 * <p>Nothing in this package depends on a framework.
 */
@NullMarked
package dev.tally.core;

import org.jspecify.annotations.NullMarked;
