package dev.tally.benchmarks;

import dev.tally.core.UsageOperation;
import dev.tally.core.UsageTracker;
import dev.tally.core.pipeline.UsagePipeline;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the HTTP filter does per request on the request thread: start an operation, set a subject
 * and six attributes, end it (which builds, validates and hands over the event). The sink discards,
 * and the pipeline's queue is large enough that the benchmark never spills.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class TrackedOperationBenchmark {
  private UsagePipeline pipeline;
  private UsageTracker tracker;

  @Setup
  public void start() throws Exception {
    pipeline =
        UsagePipeline.builder(batch -> CompletableFuture.completedFuture(null))
            .queueCapacity(1 << 24)
            .spoolDirectory(Files.createTempDirectory("tally-bench-op"))
            .build();
    tracker = UsageTracker.builder(pipeline).build();
  }

  @TearDown
  public void stop() {
    pipeline.close();
    if (pipeline.stats().spooled() > 0) {
      System.err.println("[tally-bench] OVERFLOW: spooled " + pipeline.stats().spooled());
    }
  }

  /** One HTTP-filter-shaped operation, start to success. */
  @Benchmark
  public boolean httpShapedOperation() {
    UsageOperation op =
        tracker
            .start("http")
            .subject("user-4711")
            .attribute("http.method", "GET")
            .attribute("http.route", "/api/chat")
            .attribute("http.status", "200")
            .attribute("http.request.size", "-1")
            .attribute("http.response.size", "412");
    return op.success();
  }
}
