package dev.tally.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ElapsedTest {
  private static final Instant T = Instant.parse("2026-12-03T10:00:00.900Z");

  @Test
  void isTheDurationBetweenTwoInstantsAcrossASecondBoundary() {
    assertThat(Elapsed.between(T, T.plusMillis(250))).isEqualTo(Duration.ofMillis(250));
    assertThat(Elapsed.between(T, T.plusSeconds(3).plusNanos(7)))
        .isEqualTo(Duration.ofSeconds(3, 7));
    assertThat(Elapsed.between(T, T)).isZero();
  }

  @Test
  void aClockThatSteppedBackReadsAsZero() {
    assertThat(Elapsed.between(T, T.minusNanos(1))).isZero();
    assertThat(Elapsed.between(T, T.minusSeconds(2))).isZero();
    assertThat(Elapsed.between(T, T.minusMillis(950))).isZero();
  }
}
