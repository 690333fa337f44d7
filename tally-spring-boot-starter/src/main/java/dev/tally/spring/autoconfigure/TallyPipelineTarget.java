package dev.tally.spring.autoconfigure;

import dev.tally.core.sink.UsageSink;

/**
 * Where the pipeline delivers when it is not the store: a bean of this type (Tally's Kafka support
 * defines one in the {@code api} role) replaces the store as the pipeline's sink. The store stays a
 * bean for queries and budgets. Pricing still happens before delivery; budgets are then evaluated
 * where the events reach the store (the ingester), not here.
 *
 * @param sink the sink the pipeline writes to; the pipeline shuts it down on close
 */
public record TallyPipelineTarget(UsageSink sink) {}
