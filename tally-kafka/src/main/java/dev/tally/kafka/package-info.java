/**
 * Tally over Kafka: {@link dev.tally.kafka.KafkaUsageSink} puts usage events on a topic (an
 * idempotent producer, keyed by subject), and {@link dev.tally.kafka.KafkaUsageIngester} reads them
 * in a consumer group into any {@link dev.tally.core.sink.UsageSink}, committing offsets only after
 * the sink committed. The record format is {@link dev.tally.kafka.UsageRecordFormat}.
 */
@NullMarked
package dev.tally.kafka;

import org.jspecify.annotations.NullMarked;
