package dev.tally.spring.metrics;

import dev.tally.core.pipeline.DropReason;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.ExportObserver;
import dev.tally.core.pipeline.JournalCounts;
import dev.tally.core.pipeline.PipelineStats;
import dev.tally.core.pipeline.UsagePipeline;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Pipeline meters: {@code tally.pipeline.events} by {@code state} (accepted, delivered, spooled,
 * replayed, dead_lettered), {@code tally.pipeline.dropped} by {@code reason}, gauges {@code
 * tally.pipeline.queue.size}, {@code tally.pipeline.spool.bytes} and {@code
 * tally.pipeline.sink.healthy}, the counters {@code tally.pipeline.export.failures} and {@code
 * tally.pipeline.export.timeouts} (exports that ran past the export timeout: a stalled or hung
 * store), and the timer {@code tally.pipeline.export} by {@code outcome}. With a journal also
 * {@code tally.pipeline.journal.*}: the gauges backlog, bytes, max.bytes and at.cap, the counters
 * recovered, torn, corrupt, append.failures and fsyncs; drops at its cap are in {@code
 * tally.pipeline.dropped} (reasons {@code JOURNAL_CAP}, {@code JOURNAL_REFUSED}).
 */
public final class TallyPipelineMetrics implements MeterBinder {
  private final UsagePipeline pipeline;

  public TallyPipelineMetrics(UsagePipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** An export observer that records {@code tally.pipeline.export}. */
  public static ExportObserver exportTimer(MeterRegistry registry) {
    Timer success = exportTimer(registry, "success");
    Timer failure = exportTimer(registry, "failure");
    return (int size, long nanos, @Nullable Throwable error) ->
        (error == null ? success : failure).record(nanos, TimeUnit.NANOSECONDS);
  }

  private static Timer exportTimer(MeterRegistry registry, String outcome) {
    return Timer.builder("tally.pipeline.export")
        .description("Time to export one batch to the sink")
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    count(registry, "accepted", PipelineStats::accepted);
    count(registry, "delivered", PipelineStats::delivered);
    count(registry, "spooled", PipelineStats::spooled);
    count(registry, "replayed", PipelineStats::replayed);
    count(registry, "dead_lettered", PipelineStats::deadLettered);
    for (DropReason reason : DropReason.values()) {
      FunctionCounter.builder(
              "tally.pipeline.dropped", pipeline, p -> p.stats().dropped().getOrDefault(reason, 0L))
          .description("Events dropped, by reason")
          .tag("reason", reason.name())
          .register(registry);
    }
    FunctionCounter.builder(
            "tally.pipeline.export.failures", pipeline, p -> p.stats().exportFailures())
        .description("Failed export attempts")
        .register(registry);
    FunctionCounter.builder(
            "tally.pipeline.export.timeouts", pipeline, p -> p.stats().exportTimeouts())
        .description("Exports that ran past the export timeout (a stalled or hung store)")
        .register(registry);
    gauge(registry, "tally.pipeline.queue.size", "Events waiting in memory", s -> s.queueSize());
    gauge(
        registry, "tally.pipeline.spool.bytes", "Bytes waiting in the spool", s -> s.spoolBytes());
    gauge(
        registry,
        "tally.pipeline.sink.healthy",
        "1 when the last export succeeded",
        s -> s.sinkHealthy() ? 1 : 0);
    if (pipeline.stats().durability() != Durability.MEMORY) {
      bindJournal(registry);
    }
  }

  /** The journal's meters; events dropped or refused at its cap are in tally.pipeline.dropped. */
  private void bindJournal(MeterRegistry registry) {
    gauge(
        registry,
        "tally.pipeline.journal.backlog",
        "Events in the journal not yet delivered",
        s -> s.journal().backlog());
    gauge(
        registry,
        "tally.pipeline.journal.bytes",
        "Bytes of journal files on disk",
        s -> s.journal().diskBytes());
    gauge(
        registry,
        "tally.pipeline.journal.max.bytes",
        "The journal's cap",
        s -> s.journal().maxBytes());
    gauge(
        registry,
        "tally.pipeline.journal.at.cap",
        "1 when the journal fills its cap and new events meet the cap policy",
        s -> s.journal().atCap() ? 1 : 0);
    journalCounter(
        registry, "recovered", "Records found after the checkpoint at start", j -> j.recovered());
    journalCounter(registry, "torn", "Unfinished appends truncated at start", j -> j.torn());
    journalCounter(registry, "corrupt", "Records that failed their CRC, skipped", j -> j.corrupt());
    journalCounter(
        registry,
        "append.failures",
        "Appends that hit an I/O error; the events went to the spool",
        j -> j.appendFailures());
    journalCounter(registry, "fsyncs", "Group fsyncs (MACHINE durability)", j -> j.fsyncs());
  }

  private void journalCounter(
      MeterRegistry registry,
      String name,
      String description,
      ToDoubleFunction<JournalCounts> value) {
    FunctionCounter.builder(
            "tally.pipeline.journal." + name,
            pipeline,
            p -> value.applyAsDouble(p.stats().journal()))
        .description(description)
        .register(registry);
  }

  private void count(MeterRegistry registry, String state, ToDoubleFunction<PipelineStats> value) {
    FunctionCounter.builder("tally.pipeline.events", pipeline, p -> value.applyAsDouble(p.stats()))
        .description("Events through the pipeline, by state")
        .tag("state", state)
        .register(registry);
  }

  private void gauge(
      MeterRegistry registry,
      String name,
      String description,
      ToDoubleFunction<PipelineStats> value) {
    Gauge.builder(name, pipeline, p -> value.applyAsDouble(p.stats()))
        .description(description)
        .register(registry);
  }
}
