package dev.tally.test;

import static dev.tally.test.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.sink.UsageRejectedException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RejectingUsageSinkTest {
  private final RejectingUsageSink sink = RejectingUsageSink.rejectingIds("poison");

  @Test
  void rejectsABatchHoldingAMatchingEventNamingItsId() {
    assertThat(sink.export(List.of(event("good"), event("poison"))))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(UsageRejectedException.class)
        .withMessageContaining("poison");
    assertThat(sink.delegate().size()).as("a rejected batch stores nothing").isZero();
    assertThat(sink.rejectedBatches()).isEqualTo(1);
  }

  @Test
  void storesBatchesWithoutAMatch() {
    assertThat(sink.export(List.of(event("good")))).isCompleted();

    assertThat(sink.delegate().ids()).containsExactly("good");
    assertThat(sink.rejectedBatches()).isZero();
  }

  @Test
  void rejectsByAnyRule() {
    RejectingUsageSink byOperation =
        new RejectingUsageSink(event -> event.operation().equals("chat"));

    assertThat(byOperation.export(List.of(event("a")))).isCompletedExceptionally();
  }

  @Test
  void aRuleThatThrowsFailsTheExportInsteadOfThrowing() {
    RejectingUsageSink broken =
        new RejectingUsageSink(
            event -> {
              throw new IllegalStateException("broken rule");
            });

    assertThat(broken.export(List.of(event("a"))))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(IllegalStateException.class);
  }
}
