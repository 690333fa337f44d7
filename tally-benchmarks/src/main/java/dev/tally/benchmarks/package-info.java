/**
 * JMH benchmarks for Tally. Each benchmark measures one cost in isolation and, where the issue asks
 * for a comparison, runs its baselines in the same JMH run so the ratio is taken on the same
 * machine, JVM and load. Commands and figures are in {@code docs/PERFORMANCE.md}.
 */
@NullMarked
package dev.tally.benchmarks;

import org.jspecify.annotations.NullMarked;
