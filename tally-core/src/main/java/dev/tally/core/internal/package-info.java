/**
 * Implementation classes of Tally's core. <strong>Not public API:</strong> anything here may change
 * or disappear in any release; use the types in {@code dev.tally.core} instead.
 */
@NullMarked
package dev.tally.core.internal;

import org.jspecify.annotations.NullMarked;
