package dev.tally.test;

import static dev.tally.test.Events.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.UsageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SlowUsageSinkTest {
  private SlowUsageSink sink = new SlowUsageSink(Duration.ofMillis(50));

  @AfterEach
  void shutDown() {
    sink.shutdown();
  }

  @Test
  void completesNoSoonerThanTheDelayAndStoresOnlyThen() {
    long start = System.nanoTime();
    CompletableFuture<Long> completedAt =
        sink.export(List.of(event("a"))).thenApply(ignored -> System.nanoTime());

    // A lower bound only: a scheduled task never runs early, however slow the machine.
    assertThat(completedAt)
        .succeedsWithin(Duration.ofSeconds(5))
        .satisfies(at -> assertThat(at - start).isGreaterThanOrEqualTo(sink.delay().toNanos()));
    assertThat(sink.delegate().ids()).containsExactly("a");
  }

  @Test
  void heldExportsWaitUnstoredUntilReleased() {
    sink.shutdown();
    sink = new SlowUsageSink(Duration.ZERO).hold();
    List<CompletableFuture<Void>> results = new ArrayList<>();
    results.add(sink.export(List.of(event("a"))));
    results.add(sink.export(List.of(event("b"))));

    assertThat(sink.heldExports()).isEqualTo(2);
    assertThat(sink.pendingExports()).isEqualTo(2);
    assertThat(results).noneMatch(CompletableFuture::isDone);
    assertThat(sink.delegate().size()).isZero();

    sink.release();

    assertThat(CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)))
        .succeedsWithin(Duration.ofSeconds(5));
    assertThat(sink.delegate().ids()).containsExactlyInAnyOrder("a", "b");
    await().atMost(Duration.ofSeconds(5)).until(() -> sink.pendingExports() == 0);
  }

  @Test
  void flushWaitsForExportsInFlight() {
    sink.shutdown();
    sink = new SlowUsageSink(Duration.ZERO).hold();
    sink.export(List.of(event("a")));

    CompletableFuture<Void> flushed = sink.flush();
    assertThat(flushed).isNotDone();

    sink.release();
    assertThat(flushed).succeedsWithin(Duration.ofSeconds(5));
    assertThat(sink.delegate().ids()).containsExactly("a");
  }

  @Test
  void shutdownFailsHeldExportsInsteadOfLeavingThemHanging() {
    sink.hold();
    CompletableFuture<Void> held = sink.export(List.of(event("a")));

    sink.shutdown();

    assertThat(held).isCompletedExceptionally();
    assertThat(sink.export(List.<UsageEvent>of())).isCompletedExceptionally();
    assertThat(sink.delegate().size()).isZero();
  }

  @Test
  void runsOnItsOwnNamedDaemonThread() {
    CompletableFuture<Thread> thread =
        sink.export(List.of(event("a"))).thenApply(ignored -> Thread.currentThread());

    assertThat(thread)
        .succeedsWithin(Duration.ofSeconds(5))
        .satisfies(
            t -> {
              assertThat(t.getName()).startsWith("tally-test-slow-sink-");
              assertThat(t.isDaemon()).isTrue();
            });
  }

  @Test
  void rejectsANegativeDelayNamingIt() {
    assertThatThrownBy(() -> new SlowUsageSink(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay must be >= 0, was PT-0.001S");
  }
}
