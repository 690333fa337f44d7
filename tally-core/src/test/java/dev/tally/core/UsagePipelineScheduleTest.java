package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retry backoff and the probe schedule of the memory mode, pinned with a ticker the test moves:
 * nothing waits on the wall clock for a pause to pass.
 */
class UsagePipelineScheduleTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final ManualTicker ticker = new ManualTicker();
  private final List<UsagePipeline> pipelines = new ArrayList<>();

  @AfterEach
  void closeAll() {
    pipelines.forEach(UsagePipeline::close);
  }

  private UsagePipeline start(UsagePipeline.Builder builder) {
    UsagePipeline p = builder.build();
    pipelines.add(p);
    return p;
  }

  private UsagePipeline.Builder pipeline(UsageSink sink) {
    return UsagePipeline.builder(sink)
        .spoolDirectory(dir)
        .flushInterval(Duration.ofMillis(5))
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
        .ticker(ticker);
  }

  @Test
  void retriesOfAFailedBatchWaitForTheTickerToPassEachBackoff() {
    TestSink sink = TestSink.countingIds().down();
    UsagePipeline pipeline = start(pipeline(sink).maxRetries(3));
    pipeline.submit(Events.chat("e"));
    await().atMost(WAIT).until(() -> sink.exportCalls() == 1);
    // Retry n waits in [d/2, d], d = 1 s · 2^(n-1): less than d/2 of ticker time never retries.
    ticker.awaitWorkerWaiting();
    ticker.advance(Duration.ofMillis(400));
    await().during(Duration.ofMillis(150)).atMost(WAIT).until(() -> sink.exportCalls() == 1);
    ticker.advance(Duration.ofMillis(600));
    await().atMost(WAIT).until(() -> sink.exportCalls() == 2);
    ticker.awaitWorkerWaiting();
    ticker.advance(Duration.ofSeconds(2));
    await().atMost(WAIT).until(() -> sink.exportCalls() == 3);
    ticker.awaitWorkerWaiting();
    ticker.advance(Duration.ofSeconds(4));
    await().atMost(WAIT).until(() -> sink.exportCalls() == 4);
    // The retries ran out: spooled, and the sink counts as down.
    await().atMost(WAIT).until(() -> pipeline.stats().spooled() == 1);
    assertThat(pipeline.stats().sinkHealthy()).isFalse();
  }

  @Test
  void probesOfADownSinkComeAfterGrowingPausesOnTheTickerThenTheSpoolReplays() {
    TestSink sink = TestSink.countingIds().down();
    UsagePipeline pipeline = start(pipeline(sink).maxRetries(0));
    pipeline.submit(Events.chat("e"));
    await().atMost(WAIT).until(() -> !pipeline.stats().sinkHealthy());
    assertThat(sink.exportCalls()).isEqualTo(1);
    // Probe n comes [d/2, d] after the last failure, d = 1 s · 2^(n-1), capped at 8 s.
    long[] pauses = {1, 2, 4, 8, 8};
    for (long seconds : pauses) {
      long calls = sink.exportCalls();
      ticker.awaitWorkerWaiting();
      ticker.advance(Duration.ofSeconds(seconds).dividedBy(2).minusMillis(1));
      await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> sink.exportCalls() == calls);
      ticker.advance(Duration.ofSeconds(seconds).dividedBy(2).plusMillis(1));
      await().atMost(WAIT).until(() -> sink.exportCalls() == calls + 1);
    }
    sink.up();
    ticker.awaitWorkerWaiting();
    ticker.advance(Duration.ofSeconds(8));
    await().atMost(WAIT).until(() -> sink.has("e"));
    await().atMost(WAIT).until(() -> pipeline.stats().sinkHealthy());
    assertThat(pipeline.stats().replayed()).isEqualTo(1);
  }
}
