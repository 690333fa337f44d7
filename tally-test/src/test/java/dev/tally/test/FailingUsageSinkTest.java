package dev.tally.test;

import static dev.tally.test.Events.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailingUsageSinkTest {
  private final FailingUsageSink sink = new FailingUsageSink();

  @Test
  void storesWhileUp() {
    assertThat(sink.export(List.of(event("a")))).isCompleted();

    assertThat(sink.delegate().ids()).containsExactly("a");
    assertThat(sink.failedAttempts()).isZero();
  }

  @Test
  void failsWithATransientIoErrorWhileDown() {
    sink.down();

    assertThat(sink.export(List.of(event("a"))))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(UncheckedIOException.class)
        .withCauseInstanceOf(IOException.class)
        .withMessageContaining("sink down (injected)");
    assertThat(sink.delegate().size()).isZero();
    assertThat(sink.failedAttempts()).isEqualTo(1);
  }

  @Test
  void storesAgainOnceUp() {
    sink.down();
    sink.export(List.of(event("lost-attempt")));

    sink.up();

    assertThat(sink.export(List.of(event("a")))).isCompleted();
    assertThat(sink.delegate().ids()).containsExactly("a");
    assertThat(sink.isFailing()).isFalse();
  }

  @Test
  void failNextFailsExactlyThatManyExports() {
    sink.failNext(2);

    assertThat(sink.export(List.of(event("1")))).isCompletedExceptionally();
    assertThat(sink.export(List.of(event("2")))).isCompletedExceptionally();
    assertThat(sink.export(List.of(event("3")))).isCompleted();

    assertThat(sink.failedAttempts()).isEqualTo(2);
    assertThat(sink.delegate().ids()).containsExactly("3");
  }

  @Test
  void upCancelsPendingInjectedFailures() {
    sink.failNext(5).up();

    assertThat(sink.export(List.of(event("a")))).isCompleted();
  }

  @Test
  void failNextRejectsANegativeCountNamingIt() {
    assertThatThrownBy(() -> sink.failNext(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("n must be >= 0, was -3");
  }

  @Test
  void exportAfterShutdownFails() {
    sink.shutdown();

    assertThat(sink.export(List.of(event("a")))).isCompletedExceptionally();
  }
}
