package dev.tally.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.ContentCapture;
import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Streams finished later hold their text; the tracker bounds how much of it waits at once. */
class PendingTextBoundTest {
  private final List<UsageEvent> now = new CopyOnWriteArrayList<>();
  private final List<Supplier<UsageEvent>> later = new CopyOnWriteArrayList<>();
  private final UsageTracker tracker =
      new DefaultUsageTracker(
          now::add,
          later::add,
          10,
          Clock.systemUTC(),
          ContentCapture.lengthsOnly(),
          () -> null,
          TokenEstimator.charsPerToken(),
          1024);

  private void stream(String text) {
    tracker.startStream("chat", UsageContext.of("ann")).prompt(text).complete();
  }

  @Test
  void streamsPastTheBoundAreFinishedAtOnceUntilTheWaitingOnesAreFinished() {
    stream("12345678"); // 8 characters wait
    assertThat(later).hasSize(1);
    assertThat(now).isEmpty();

    stream("abcdefgh"); // 16 would be past 10
    assertThat(later).hasSize(1);
    assertThat(now).hasSize(1);
    assertThat(now.get(0).tokens().input()).isEqualTo(2);

    UsageEvent first = later.get(0).get(); // the worker finishes the first
    assertThat(first.tokens().input()).isEqualTo(2);
    assertThat(first.content().inputText()).isNull(); // the capture applied: lengths only
    assertThat(first.content().inputLength()).isEqualTo(8);

    stream("ABCDEFGH"); // room again
    assertThat(later).hasSize(2);
  }

  @Test
  void aStreamWithNothingToEstimateIsFinishedAtOnce() {
    tracker.startStream("chat", UsageContext.of("ann")).promptTokens(12).complete();

    assertThat(later).isEmpty();
    assertThat(now).hasSize(1);
  }
}
