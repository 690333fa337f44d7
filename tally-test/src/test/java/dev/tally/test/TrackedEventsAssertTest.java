package dev.tally.test;

import static dev.tally.test.TallyAssertions.assertThat;
import static dev.tally.test.TallyAssertions.assertThatEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.UsageEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackedEventsAssertTest {
  private final InMemoryUsageSink sink = new InMemoryUsageSink();

  private static UsageEvent event(String id, String operation) {
    return UsageEvent.builder(operation).id(id).subject("alice").build();
  }

  @Test
  void passesOnMatchingEvents() {
    sink.export(List.of(event("1", "chat"), event("2", "search"), event("3", "chat")));

    assertThat(sink)
        .hasSize(3)
        .isNotEmpty()
        .hasUniqueIds()
        .containsOperation("search")
        .doesNotContainOperation("embed")
        .containsId("2")
        .allSatisfy(e -> assertThat(e.subject()).isEqualTo("alice"));
    assertThat(sink).filteredOnOperation("chat").hasSize(2).event(1).hasId("3");
    assertThat(sink).eventWithId("2").hasOperation("search");
  }

  @Test
  void hasSizeFailureListsTheEventsFound() {
    sink.export(List.of(event("1", "chat"), event("2", "search")));

    assertThatThrownBy(() -> assertThat(sink).hasSize(3))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("to hold 3 usage event(s) but found 2")
        .hasMessageContaining("chat [id=1")
        .hasMessageContaining("search [id=2");
  }

  @Test
  void singleEventFailsWhenThereIsNone() {
    assertThatThrownBy(() -> assertThat(sink).singleEvent())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exactly one usage event but found 0")
        .hasMessageContaining("(none)");
  }

  @Test
  void singleEventFailsWhenThereAreSeveral() {
    sink.export(List.of(event("1", "chat"), event("2", "chat")));

    assertThatThrownBy(() -> assertThat(sink).singleEvent())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exactly one usage event but found 2");
  }

  @Test
  void eventOutOfRangeSaysHowManyThereAre() {
    sink.export(List.of(event("1", "chat")));

    assertThatThrownBy(() -> assertThat(sink).event(4))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("at index 4 but found 1 event(s)");
  }

  @Test
  void hasUniqueIdsNamesTheDuplicates() {
    List<UsageEvent> twice = List.of(event("dup", "chat"), event("dup", "chat"), event("ok", "x"));

    assertThatThrownBy(() -> assertThatEvents(twice).hasUniqueIds())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("dup=2");
  }

  @Test
  void containsOperationListsTheOperationsFound() {
    sink.export(List.of(event("1", "chat"), event("2", "search")));

    assertThatThrownBy(() -> assertThat(sink).containsOperation("embed"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("\"embed\"")
        .hasMessageContaining("[chat, search]");
  }

  @Test
  void isEmptyFailureShowsWhatWasTracked() {
    RecordingUsageTracker tracker = RecordingUsageTracker.create();
    tracker.track(tracker.event("chat").id("only").build());

    assertThatThrownBy(() -> assertThat(tracker).isEmpty())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the recording tracker")
        .hasMessageContaining("chat [id=only");
  }

  @Test
  void allSatisfyReportsTheEventThatFailed() {
    sink.export(List.of(event("1", "chat"), event("2", "search")));

    assertThatThrownBy(
            () -> assertThat(sink).allSatisfy(e -> assertThat(e.operation()).isEqualTo("chat")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("search");
  }
}
