/**
 * Tally's test kit: an {@link dev.tally.test.InMemoryUsageSink}, failure-injecting sinks ({@link
 * dev.tally.test.FailingUsageSink}, {@link dev.tally.test.SlowUsageSink}, {@link
 * dev.tally.test.RejectingUsageSink}), a {@link dev.tally.test.RecordingUsageTracker}, AssertJ
 * assertions in {@link dev.tally.test.TallyAssertions}, and the {@link
 * dev.tally.test.UsageSinkConformanceTest} that every {@link dev.tally.core.sink.UsageSink} passes.
 *
 * <p>Meant for test scope only.
 */
@NullMarked
package dev.tally.test;

import org.jspecify.annotations.NullMarked;
