package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.ExportObserver;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.OverflowPolicy;
import dev.tally.core.sink.UsageSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Everything a pipeline was built with, validated by {@code UsagePipeline.Builder}: the hand-over
 * from the public builder to the internal parts.
 */
public record PipelineSettings(
    UsageSink sink,
    Durability durability,
    int queueCapacity,
    int batchSize,
    Duration flushInterval,
    OverflowPolicy overflowPolicy,
    Duration blockTimeout,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration exportTimeout,
    Duration shutdownTimeout,
    Path directory,
    long spoolSegmentBytes,
    boolean spoolFsync,
    Path journalDirectory,
    int journalSegmentBytes,
    long journalMaxBytes,
    JournalCapPolicy journalCapPolicy,
    Duration journalCapWait,
    Duration fsyncInterval,
    ExportObserver exportObserver,
    Consumer<UsageEvent> acceptObserver,
    Clock clock,
    Ticker ticker) {}
