/**
 * The sink SPI: a {@link dev.tally.core.sink.UsageSink} stores or forwards batches of events (the
 * JDBC ledger, Kafka, your own); {@link dev.tally.core.sink.UsageRejectedException} marks an event
 * no retry can store; {@link dev.tally.core.sink.UsageSinks#composite} and {@link
 * dev.tally.core.sink.ForwardingUsageSink} (the base of the pricing and budget decorators) compose
 * them. Every sink and decorator passes tally-test's conformance kit.
 */
@NullMarked
package dev.tally.core.sink;

import org.jspecify.annotations.NullMarked;
