package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.Assertions;

/**
 * Assertions on the events a {@link RecordingUsageTracker} recorded or an {@link InMemoryUsageSink}
 * stored, in order; get one from {@link TallyAssertions}. A failure says what was expected and
 * lists the events found.
 */
public final class TrackedEventsAssert
    extends AbstractAssert<TrackedEventsAssert, List<UsageEvent>> {
  private final String source;

  TrackedEventsAssert(List<UsageEvent> events, String source) {
    super(List.copyOf(events), TrackedEventsAssert.class);
    this.source = source;
  }

  /** There are exactly {@code expected} events. */
  public TrackedEventsAssert hasSize(int expected) {
    isNotNull();
    if (actual.size() != expected) {
      failWithActualExpectedAndMessage(
          actual.size(),
          expected,
          "%nExpecting %s to hold %s usage event(s) but found %s:%n%s",
          source,
          expected,
          actual.size(),
          list(actual));
    }
    return myself;
  }

  /** There are no events. */
  public TrackedEventsAssert isEmpty() {
    isNotNull();
    if (!actual.isEmpty()) {
      failWithMessage(
          "%nExpecting %s to hold no usage events but found %s:%n%s",
          source, actual.size(), list(actual));
    }
    return myself;
  }

  /** There is at least one event. */
  public TrackedEventsAssert isNotEmpty() {
    isNotNull();
    if (actual.isEmpty()) {
      failWithMessage("%nExpecting %s to hold usage events but found none", source);
    }
    return myself;
  }

  /** No two events share an id. */
  public TrackedEventsAssert hasUniqueIds() {
    isNotNull();
    Map<String, Long> counts =
        actual.stream().collect(Collectors.groupingBy(UsageEvent::id, Collectors.counting()));
    Map<String, Long> duplicates = new HashMap<>();
    counts.forEach(
        (id, n) -> {
          if (n > 1) {
            duplicates.put(id, n);
          }
        });
    if (!duplicates.isEmpty()) {
      failWithMessage(
          "%nExpecting %s to hold each usage event id once but found duplicates (id=count):%n  %s",
          source, duplicates);
    }
    return myself;
  }

  /** At least one event is of this operation. */
  public TrackedEventsAssert containsOperation(String operation) {
    isNotNull();
    if (actual.stream().noneMatch(e -> e.operation().equals(operation))) {
      failWithMessage(
          "%nExpecting %s to hold a usage event of operation \"%s\" but found operations:%n  %s",
          source, operation, actual.stream().map(UsageEvent::operation).distinct().toList());
    }
    return myself;
  }

  /** No event is of this operation. */
  public TrackedEventsAssert doesNotContainOperation(String operation) {
    isNotNull();
    List<UsageEvent> matching = filter(operation);
    if (!matching.isEmpty()) {
      failWithMessage(
          "%nExpecting %s to hold no usage event of operation \"%s\" but found:%n%s",
          source, operation, list(matching));
    }
    return myself;
  }

  /** An event with this id is present. */
  public TrackedEventsAssert containsId(String id) {
    isNotNull();
    if (actual.stream().noneMatch(e -> e.id().equals(id))) {
      failWithMessage(
          "%nExpecting %s to hold a usage event with id \"%s\" but found:%n%s",
          source, id, list(actual));
    }
    return myself;
  }

  /** The same assertions on the events of one operation only. */
  public TrackedEventsAssert filteredOnOperation(String operation) {
    isNotNull();
    return new TrackedEventsAssert(
        filter(operation), source + " (operation \"" + operation + "\")");
  }

  /** Every event passes {@code requirements}, typically a lambda of AssertJ assertions. */
  public TrackedEventsAssert allSatisfy(Consumer<? super UsageEvent> requirements) {
    isNotNull();
    Assertions.assertThat(actual).as(info.description()).allSatisfy(requirements);
    return myself;
  }

  /**
   * Checks there is exactly one event and returns assertions on it.
   *
   * <pre>{@code
   * assertThat(tracker).singleEvent().hasOperation("chat").succeeded();
   * }</pre>
   */
  public UsageEventAssert singleEvent() {
    isNotNull();
    if (actual.size() != 1) {
      failWithMessage(
          "%nExpecting %s to hold exactly one usage event but found %s:%n%s",
          source, actual.size(), list(actual));
    }
    return new UsageEventAssert(actual.get(0));
  }

  /** Assertions on the event at {@code index} (0 is the first), failing if there is none. */
  public UsageEventAssert event(int index) {
    isNotNull();
    if (index < 0 || index >= actual.size()) {
      failWithMessage(
          "%nExpecting %s to hold a usage event at index %s but found %s event(s):%n%s",
          source, index, actual.size(), list(actual));
    }
    return new UsageEventAssert(actual.get(index));
  }

  /** Assertions on the event with this id, failing if there is none. */
  public UsageEventAssert eventWithId(String id) {
    containsId(id);
    return new UsageEventAssert(
        actual.stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow());
  }

  private List<UsageEvent> filter(String operation) {
    return actual.stream().filter(e -> e.operation().equals(operation)).toList();
  }

  private static String list(List<UsageEvent> events) {
    if (events.isEmpty()) {
      return "  (none)";
    }
    int shown = Math.min(events.size(), 20);
    String lines =
        events.subList(0, shown).stream()
            .map(e -> "  " + summary(e))
            .collect(Collectors.joining(System.lineSeparator()));
    return shown < events.size()
        ? lines + System.lineSeparator() + "  ... and " + (events.size() - shown) + " more"
        : lines;
  }

  private static String summary(UsageEvent e) {
    return e.operation()
        + " [id="
        + e.id()
        + ", subject="
        + e.subject()
        + ", outcome="
        + e.outcome()
        + (e.error() == null ? "" : " (" + UsageEventAssert.describe(e.error()) + ")")
        + ", tokens="
        + e.tokens().total()
        + " "
        + e.tokens().source()
        + "]";
  }
}
