package dev.tally.test;

import dev.tally.core.ResultMapper;
import dev.tally.core.UsageOperation;
import dev.tally.core.UsageStream;
import dev.tally.core.UsageTracker;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link UsageTracker} that records every tracked event in memory, synchronously, so a test can
 * assert on it right after the call, without a pipeline and without waiting:
 *
 * <pre>{@code
 * RecordingUsageTracker tracker = RecordingUsageTracker.create();
 * ChatService service = new ChatService(tracker);
 * service.chat("alice", "hi");
 * assertThat(tracker).singleEvent().hasOperation("chat").hasSubject("alice").succeeded();
 * }</pre>
 *
 * <p>It is the real tracker of {@code tally-core} ({@link UsageTracker#builder(Consumer)}) with an
 * in-memory destination, so {@link #start}, {@link #call}, {@link #callAsync} and the content
 * capture policy behave exactly as in production. Defaults are the real tracker's: the system UTC
 * clock, lengths-only content capture, no trace ids. Thread-safe.
 */
public final class RecordingUsageTracker implements UsageTracker {
  private final Object lock = new Object();
  private final List<UsageEvent> events = new ArrayList<>();
  private final UsageTracker tracker;

  private RecordingUsageTracker(Consumer<UsageTracker.Builder> configuration) {
    UsageTracker.Builder builder = UsageTracker.builder(this::record);
    configuration.accept(builder);
    this.tracker = builder.build();
  }

  /** A recording tracker with the real tracker's defaults. */
  public static RecordingUsageTracker create() {
    return new RecordingUsageTracker(b -> {});
  }

  /**
   * A recording tracker whose timestamps and durations come from {@code clock}, so a test can
   * assert exact durations with a clock it moves by hand.
   */
  public static RecordingUsageTracker create(Clock clock) {
    Objects.requireNonNull(clock, "clock must not be null");
    return new RecordingUsageTracker(b -> b.clock(clock));
  }

  /**
   * A recording tracker configured like a real one, for example with a content-capture policy or a
   * trace id supplier: {@code create(b -> b.contentCapture(ContentCapture.full(List.of())))}.
   * Calling {@code enabled(false)} gives a tracker that records nothing, like the real one.
   */
  public static RecordingUsageTracker create(Consumer<UsageTracker.Builder> configuration) {
    Objects.requireNonNull(configuration, "configuration must not be null");
    return new RecordingUsageTracker(configuration);
  }

  private void record(UsageEvent event) {
    synchronized (lock) {
      events.add(event);
    }
  }

  /** Every event tracked so far, in the order it was tracked. A copy. */
  public List<UsageEvent> events() {
    synchronized (lock) {
      return List.copyOf(events);
    }
  }

  /**
   * The event tracked last.
   *
   * @throws AssertionError if no event was tracked
   */
  public UsageEvent last() {
    synchronized (lock) {
      if (events.isEmpty()) {
        throw new AssertionError("Expecting a tracked usage event but none was tracked");
      }
      return events.get(events.size() - 1);
    }
  }

  /** The events of one operation, in the order they were tracked. */
  public List<UsageEvent> eventsFor(String operation) {
    synchronized (lock) {
      return events.stream().filter(e -> e.operation().equals(operation)).toList();
    }
  }

  /** Forgets every recorded event. */
  public void clear() {
    synchronized (lock) {
      events.clear();
    }
  }

  @Override
  public void track(UsageEvent event) {
    tracker.track(event);
  }

  @Override
  public UsageEvent.Builder event(String operation) {
    return tracker.event(operation);
  }

  @Override
  public UsageOperation start(String operation) {
    return tracker.start(operation);
  }

  @Override
  public UsageStream startStream(String operation, UsageContext context) {
    return tracker.startStream(operation, context);
  }

  @Override
  public <T extends @Nullable Object, E extends Throwable> T call(
      String operation, UsageContext context, Body<T, E> body, ResultMapper<? super T> mapper)
      throws E {
    return tracker.call(operation, context, body, mapper);
  }

  @Override
  public <E extends Throwable> void run(String operation, UsageContext context, VoidBody<E> body)
      throws E {
    tracker.run(operation, context, body);
  }

  @Override
  public <T extends @Nullable Object, E extends Throwable> @Nullable CompletionStage<T> callAsync(
      String operation,
      UsageContext context,
      Body<? extends @Nullable CompletionStage<T>, E> body,
      ResultMapper<? super T> mapper)
      throws E {
    return tracker.callAsync(operation, context, body, mapper);
  }

  @Override
  public boolean isEnabled() {
    return tracker.isEnabled();
  }

  @Override
  public long invalidEvents() {
    return tracker.invalidEvents();
  }

  @Override
  public String toString() {
    return "RecordingUsageTracker[events=" + events().size() + "]";
  }
}
