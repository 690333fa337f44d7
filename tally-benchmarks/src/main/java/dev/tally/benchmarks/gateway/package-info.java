/**
 * The gateway's added latency: a fake OpenAI upstream that answers after a fixed delay, and an
 * open-loop load generator that calls it directly and through the gateway in one run ({@code
 * gateway-overhead.sh}; figures in {@code docs/PERFORMANCE.md}).
 */
@NullMarked
package dev.tally.benchmarks.gateway;

import org.jspecify.annotations.NullMarked;
