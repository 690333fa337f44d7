package dev.tally.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LingerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long FLUSH = 20 * MS;

  @Test
  void aFirstLingerLooksAtTheShortestStep() {
    Linger linger = new Linger(500);
    linger.begin(0, 1);

    assertThat(linger.step(0, 1, FLUSH)).isEqualTo(Linger.MIN_STEP_NANOS);
  }

  @Test
  void aFastStreamOfEventsIsLookedAtEveryShortestStep() {
    Linger linger = new Linger(500);
    linger.begin(0, 1);

    // 200 events in 1 ms: the other 299 would take 1.5 ms
    assertThat(linger.step(MS, 201, FLUSH - MS)).isEqualTo(Linger.MIN_STEP_NANOS);
  }

  @Test
  void aSlowStreamParksUntilTheBatchCouldBeHalfFullAgainUpToTheLongestStep() {
    Linger linger = new Linger(500);
    linger.begin(0, 1);

    // 10 events in 2 ms: 0.2 ms each, 489 more would take ~98 ms
    assertThat(linger.step(2 * MS, 11, FLUSH - 2 * MS)).isEqualTo(Linger.MAX_STEP_NANOS);
    // between the bounds: 100 events in 1 ms, batch 1000 -> 900 * 10 µs / 2 = 4.5 ms
    Linger big = new Linger(1000);
    big.begin(0, 0);
    assertThat(big.step(MS, 100, FLUSH)).isEqualTo(4_500_000L);
  }

  @Test
  void nothingArrivingMeansASlowRate() {
    Linger linger = new Linger(500);
    linger.begin(0, 3);

    assertThat(linger.step(2 * MS, 3, FLUSH - 2 * MS)).isEqualTo(Linger.MAX_STEP_NANOS);
  }

  @Test
  void theNextLingerStartsFromTheRateOfTheLastOne() {
    Linger linger = new Linger(500);
    linger.begin(0, 1);
    linger.end(20 * MS, 41); // 40 events in 20 ms: 0.5 ms each

    linger.begin(30 * MS, 1);
    assertThat(linger.step(30 * MS, 1, FLUSH)).isEqualTo(Linger.MAX_STEP_NANOS);

    linger.end(31 * MS, 500); // a burst: 499 events in 1 ms
    linger.begin(40 * MS, 1);
    assertThat(linger.step(40 * MS, 1, FLUSH)).isEqualTo(Linger.MIN_STEP_NANOS);
  }

  @Test
  void neverParksPastTheFlushDeadline() {
    Linger linger = new Linger(500);
    linger.begin(0, 1);

    assertThat(linger.step(2 * MS, 2, MS / 2)).isEqualTo(MS / 2);
    assertThat(linger.step(2 * MS, 2, 0)).isZero();
    assertThat(linger.step(2 * MS, 2, -5)).isZero();
  }
}
