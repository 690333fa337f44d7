package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.OnceLogger;
import dev.tally.core.pipeline.DropReason;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Finishes events submitted with {@code submitLater}; one that cannot be finished is dropped. */
final class Deferred {
  private Deferred() {}

  /**
   * The event behind a queued item: the item itself, or what its supplier returns. Null (counted as
   * dropped, {@link DropReason#BUILD_FAILED}) when the supplier throws or returns null.
   */
  @SuppressWarnings("unchecked")
  static @Nullable UsageEvent finish(Object item, PipelineCounters counters, OnceLogger failures) {
    if (item instanceof UsageEvent event) {
      return event;
    }
    try {
      UsageEvent event = ((Supplier<UsageEvent>) item).get();
      if (event != null) {
        return event;
      }
      failures.failure("deferred-null", "Tally: a deferred usage event was null; dropped");
    } catch (RuntimeException e) {
      failures.failure("deferred", "Tally: a deferred usage event could not be finished", e);
    }
    counters.drop(DropReason.BUILD_FAILED, 1);
    return null;
  }
}
