package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import java.util.List;

/**
 * Entry points of Tally's AssertJ assertions. Import them statically next to AssertJ's own; the
 * overloads do not clash:
 *
 * <pre>{@code
 * import static dev.tally.test.TallyAssertions.assertThat;
 * import static org.assertj.core.api.Assertions.assertThat;
 *
 * assertThat(tracker).singleEvent().hasOperation("chat").hasInputTokens(12).succeeded();
 * assertThat(sink).hasSize(3).hasUniqueIds();
 * }</pre>
 */
public final class TallyAssertions {
  private TallyAssertions() {}

  /** Assertions on one event. */
  public static UsageEventAssert assertThat(UsageEvent actual) {
    return new UsageEventAssert(actual);
  }

  /** Assertions on the events a recording tracker has recorded so far, in order (a snapshot). */
  public static TrackedEventsAssert assertThat(RecordingUsageTracker tracker) {
    return new TrackedEventsAssert(tracker.events(), "the recording tracker");
  }

  /** Assertions on the events an in-memory sink holds, in arrival order (a snapshot). */
  public static TrackedEventsAssert assertThat(InMemoryUsageSink sink) {
    return new TrackedEventsAssert(sink.events(), "the in-memory sink");
  }

  /**
   * Assertions on any list of events, for example those a sink under test read back. Named apart
   * from {@code assertThat} so it never competes with AssertJ's {@code assertThat(List)}.
   */
  public static TrackedEventsAssert assertThatEvents(List<UsageEvent> events) {
    return new TrackedEventsAssert(events, "the events");
  }
}
