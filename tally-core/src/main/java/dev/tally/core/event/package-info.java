/**
 * The event model: one immutable {@link dev.tally.core.event.UsageEvent} per operation, with its
 * who/where component {@link dev.tally.core.event.UsageContext}, the {@link
 * dev.tally.core.event.TokenUsage} in disjoint categories and how it was obtained ({@link
 * dev.tally.core.event.UsageSource}), the typed {@link dev.tally.core.event.Cost} (or unpriced,
 * never a silent zero), the {@link dev.tally.core.event.Outcome}, the error and the captured
 * content summary. Values only: no behaviour beyond validation.
 */
@NullMarked
package dev.tally.core.event;

import org.jspecify.annotations.NullMarked;
