package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.sink.UsageSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink that stalls on the calling thread, as a JDBC store does when it waits on a lock or on a
 * connection that stopped answering: the worker must give up on it, count it and keep going.
 */
class UsagePipelineStallTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path spoolDir;
  private final BlockingSink sink = new BlockingSink();
  private UsagePipeline pipeline;

  @AfterEach
  void close() {
    sink.release();
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private UsagePipeline start() {
    pipeline =
        UsagePipeline.builder(sink)
            .spoolDirectory(spoolDir)
            .flushInterval(Duration.ofMillis(5))
            .backoff(Duration.ofMillis(5), Duration.ofMillis(50))
            .exportTimeout(Duration.ofMillis(200))
            .build();
    return pipeline;
  }

  @Test
  void exportThatHangsOnTheCallingThreadIsAbandonedCountedAndLaterDeliveredOnce() {
    UsagePipeline p = start();
    sink.hold();

    submit(p, "a", 5);
    await().atMost(WAIT).until(() -> p.stats().exportTimeouts() == 1 && !p.stats().sinkHealthy());
    assertThat(p.stats().exportFailures()).isEqualTo(1);

    // The worker is not parked in the hung call: new events keep flowing to the spool.
    submit(p, "b", 5);
    await().atMost(WAIT).until(() -> p.stats().spooled() == 10);
    assertThat(p.stats().queueSize()).isZero();

    sink.release();
    await().atMost(WAIT).until(() -> p.stats().sinkHealthy() && p.stats().spoolBytes() == 0);
    assertThat(p.flush()).succeedsWithin(WAIT);

    assertThat(sink.ids()).hasSize(10);
    // Never a second call while the first hung: the store sees one export at a time.
    assertThat(sink.maxConcurrentCalls()).isEqualTo(1);
    assertThat(p.stats().exportTimeouts()).isEqualTo(1);
  }

  @Test
  void exportThatReturnsWithinTheTimeoutIsNeitherCountedNorUnhealthy() {
    UsagePipeline p = start();

    submit(p, "c", 20);

    assertThat(p.flush()).succeedsWithin(WAIT);
    assertThat(sink.ids()).hasSize(20);
    assertThat(p.stats().exportTimeouts()).isZero();
    assertThat(p.stats().sinkHealthy()).isTrue();
  }

  private static void submit(UsagePipeline p, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      p.submit(Events.chat(prefix + i));
    }
  }

  /** Exports on the calling thread and blocks there while held; idempotent by id. */
  private static final class BlockingSink implements UsageSink {
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inCall = new AtomicInteger();
    private final AtomicInteger maxInCall = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    void hold() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    Set<String> ids() {
      return Set.copyOf(ids);
    }

    int maxConcurrentCalls() {
      return maxInCall.get();
    }

    @Override
    public CompletableFuture<Void> export(List<UsageEvent> batch) {
      maxInCall.accumulateAndGet(inCall.incrementAndGet(), Math::max);
      try {
        if (!gate.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          return CompletableFuture.failedFuture(new IllegalStateException("never released"));
        }
        batch.forEach(e -> ids.add(e.id()));
        return CompletableFuture.completedFuture(null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return CompletableFuture.failedFuture(e);
      } finally {
        inCall.decrementAndGet();
      }
    }
  }
}
