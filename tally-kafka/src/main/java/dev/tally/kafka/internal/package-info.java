/**
 * Implementation classes of {@code tally-kafka}. <strong>Not public API:</strong> anything here may
 * change or disappear in any release.
 */
@NullMarked
package dev.tally.kafka.internal;

import org.jspecify.annotations.NullMarked;
