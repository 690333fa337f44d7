package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Completion, cancellation and failure racing on one stream from many threads. */
class UsageStreamRaceTest {
  private static final int THREADS = 8;
  private static final int ROUNDS = 500;

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void concurrentEndsRecordExactlyOneEventPerStream() throws Exception {
    Map<String, AtomicInteger> perStream = new ConcurrentHashMap<>();
    UsageTracker tracker =
        UsageTracker.builder(
                e -> perStream.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet())
            .build();
    int wins = 0;
    for (int round = 0; round < ROUNDS; round++) {
      UsageStream stream =
          tracker.startStream("chat", UsageContext.of("u")).id("s-" + round).prompt("prompt");
      CountDownLatch gate = new CountDownLatch(1);
      List<Future<Boolean>> ends = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int kind = t % 4;
        ends.add(
            pool.submit(
                () -> {
                  gate.await();
                  stream.delivered("tok ");
                  return switch (kind) {
                    case 0 -> stream.complete();
                    case 1 -> stream.cancel();
                    case 2 -> stream.fail(new IllegalStateException("upstream"));
                    default -> {
                      stream.close();
                      yield false;
                    }
                  };
                }));
      }
      gate.countDown();
      int winners = 0;
      for (Future<Boolean> end : ends) {
        winners += end.get(10, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(winners).as("round %d: ends that won", round).isLessThanOrEqualTo(1);
      wins += winners;
      assertThat(stream.isEnded()).isTrue();
    }
    assertThat(perStream).hasSize(ROUNDS);
    assertThat(perStream.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    assertThat(wins).as("rounds won by complete, cancel or fail rather than close").isPositive();
  }

  @Test
  void feedingWhileAnotherThreadEndsNeverBreaksTheEvent() throws Exception {
    List<UsageEvent> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();
    UsageTracker tracker = UsageTracker.builder(recorded::add).build();
    for (int round = 0; round < ROUNDS; round++) {
      UsageStream stream = tracker.startStream("chat", UsageContext.of("u"));
      CountDownLatch gate = new CountDownLatch(1);
      Future<?> feeder =
          pool.submit(
              () -> {
                gate.await();
                for (int i = 0; i < 200 && !stream.isEnded(); i++) {
                  stream.delivered("word ").usage(TokenUsage.reported(3, i + 1));
                }
                return null;
              });
      Future<Boolean> ender =
          pool.submit(
              () -> {
                gate.await();
                return stream.cancel();
              });
      gate.countDown();
      feeder.get(10, TimeUnit.SECONDS);
      assertThat(ender.get(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(recorded).hasSize(ROUNDS);
    assertThat(recorded)
        .allSatisfy(
            e -> {
              assertThat(e.outcome()).isEqualTo(Outcome.CANCELLED);
              assertThat(e.tokens().isKnown() || e.content().outputLength() == 0).isTrue();
            });
  }
}
