/**
 * The pipeline's parts: the crash-safe journal (memory-mapped segments, checkpoint, recovery).
 * <strong>Not public API:</strong> anything here may change or disappear in any release; use the
 * types in {@code dev.tally.core} instead.
 */
@NullMarked
package dev.tally.core.internal.pipeline;

import org.jspecify.annotations.NullMarked;
