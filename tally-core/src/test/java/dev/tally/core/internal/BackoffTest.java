package dev.tally.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesFromTheInitialPauseUpToTheMaxWithHalfOfItJittered() {
    Backoff lowest = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), bound -> 0);
    Backoff highest =
        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), bound -> bound - 1);
    assertThat(lowest.duration(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(highest.duration(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(lowest.duration(2)).isEqualTo(Duration.ofMillis(100));
    assertThat(highest.duration(3)).isEqualTo(Duration.ofMillis(400));
    assertThat(highest.duration(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(highest.duration(5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(highest.duration(1_000)).isEqualTo(Duration.ofSeconds(1));
    assertThat(lowest.duration(1_000)).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void rejectsBadBoundsNamingThem() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("initialBackoff");
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("maxBackoff");
  }
}
