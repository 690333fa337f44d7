package dev.tally.benchmarks;

import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.llm.JtokkitTokenEstimator;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a streamed chat costs its relaying thread: start a stream, feed {@code chunks} text chunks
 * of one word each, then end it — with the provider's usage (REPORTED: no tokenizing), or without
 * it (ESTIMATED: jtokkit counts the prompt and the delivered text once, at the end). Divide by
 * {@code chunks} for the cost per chunk. The sink discards.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class StreamedOperationBenchmark {
  private static final String PROMPT =
      "You are a helpful assistant. Summarise the following meeting notes in three bullet points,"
          + " keeping names and dates exact.";
  private static final String[] WORDS = {"The ", "meeting ", "moved ", "to ", "Friday, ", "Ana "};

  @Param({"200"})
  public int chunks;

  private UsagePipeline pipeline;
  private UsageTracker tracker;
  private final UsageContext context = UsageContext.of("user-4711").withModel("gpt-4o-mini");

  @Setup
  public void start() throws Exception {
    pipeline =
        UsagePipeline.builder(batch -> CompletableFuture.completedFuture(null))
            .queueCapacity(1 << 22)
            .spoolDirectory(Files.createTempDirectory("tally-bench-stream"))
            .build();
    tracker = UsageTracker.builder(pipeline).tokenEstimator(JtokkitTokenEstimator.create()).build();
  }

  @TearDown
  public void stop() {
    pipeline.close();
    if (pipeline.stats().spooled() > 0) {
      System.err.println("[tally-bench] OVERFLOW: spooled " + pipeline.stats().spooled());
    }
  }

  /** The provider's usage arrives: nothing is tokenized. */
  @Benchmark
  public boolean streamWithReportedUsage() {
    UsageStream stream = feed();
    stream.usage(
        TokenUsage.fromInclusive(900, 512, chunks, 0, dev.tally.core.event.UsageSource.REPORTED));
    return stream.complete();
  }

  /** No usage chunk (a client that left): jtokkit counts prompt and output once, at the end. */
  @Benchmark
  public boolean streamEstimatedWithJtokkit() {
    return feed().cancel();
  }

  private UsageStream feed() {
    UsageStream stream = tracker.startStream("chat", context).prompt(PROMPT);
    for (int i = 0; i < chunks; i++) {
      stream.delivered(WORDS[i % WORDS.length]);
    }
    return stream;
  }
}
