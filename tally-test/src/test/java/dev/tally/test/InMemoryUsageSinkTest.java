package dev.tally.test;

import static dev.tally.test.Events.event;
import static dev.tally.test.Events.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.UsageEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryUsageSinkTest {
  private final InMemoryUsageSink sink = new InMemoryUsageSink();

  @Test
  void keepsEventsInArrivalOrder() {
    sink.export(List.of(event("b"), event("a")));
    sink.export(List.of(event("c")));

    assertThat(sink.events()).extracting(UsageEvent::id).containsExactly("b", "a", "c");
    assertThat(sink.ids()).containsExactly("b", "a", "c");
    assertThat(sink.size()).isEqualTo(3);
  }

  @Test
  void ignoresAnIdItAlreadyHasButCountsTheDelivery() {
    UsageEvent first = event("x");
    sink.export(List.of(first));
    sink.export(List.of(first.toBuilder().subject("someone-else").build(), first));

    assertThat(sink.events()).containsExactly(first);
    assertThat(sink.receivedCount("x")).isEqualTo(3);
    assertThat(sink.receivedCount("never-seen")).isZero();
    assertThat(sink.exportCalls()).isEqualTo(2);
  }

  @Test
  void emptyBatchCompletesAndStoresNothing() {
    assertThat(sink.export(List.of())).isCompleted();
    assertThat(sink.size()).isZero();
  }

  @Test
  void eventsIsACopy() {
    sink.export(List.of(event("a")));
    List<UsageEvent> snapshot = sink.events();

    sink.export(List.of(event("b")));

    assertThat(snapshot).hasSize(1);
  }

  @Test
  void exportAfterShutdownFailsInsteadOfThrowing() {
    sink.export(List.of(event("kept")));
    sink.shutdown();

    assertThat(sink.export(List.of(event("late"))))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(IllegalStateException.class)
        .withMessageContaining("shut down");
    assertThat(sink.isShutDown()).isTrue();
    assertThat(sink.ids()).containsExactly("kept");
  }

  @Test
  void batchWithANullElementFailsAndStoresNothing() {
    List<UsageEvent> batch = Arrays.asList(event("a"), null);

    assertThat(sink.export(batch)).isCompletedExceptionally();
    assertThat(sink.size()).isZero();
  }

  @Test
  void clearForgetsEventsAndCounts() {
    sink.export(events(3));

    sink.clear();

    assertThat(sink.events()).isEmpty();
    assertThat(sink.exportCalls()).isZero();
  }
}
