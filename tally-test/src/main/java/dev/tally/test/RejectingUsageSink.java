package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageRejectedException;
import dev.tally.core.sink.UsageSink;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A sink that refuses bad data, for testing dead-lettering: a batch that holds any event matching
 * the rule completes exceptionally with a {@link UsageRejectedException} whose message names the
 * ids of the matching events, and nothing of it is stored (the batch is all or nothing, like a
 * database transaction). Any other batch is stored in the {@link #delegate()}.
 *
 * <pre>{@code
 * RejectingUsageSink sink = RejectingUsageSink.rejectingIds("poison");
 * // a pipeline splits the rejected batch, delivers the good events, dead-letters "poison"
 * }</pre>
 *
 * <p>Thread-safe. Never throws from {@link #export}; a rule that throws fails the export with that
 * exception (a transient failure, as for any other error).
 */
public final class RejectingUsageSink implements UsageSink {
  private final Predicate<UsageEvent> rejects;
  private final InMemoryUsageSink delegate;
  private final AtomicLong rejectedBatches = new AtomicLong();

  /**
   * A sink that rejects events matching {@code rejects}, storing others in a new in-memory sink.
   */
  public RejectingUsageSink(Predicate<UsageEvent> rejects) {
    this(rejects, new InMemoryUsageSink());
  }

  /** A sink that rejects events matching {@code rejects}, storing others in {@code delegate}. */
  public RejectingUsageSink(Predicate<UsageEvent> rejects, InMemoryUsageSink delegate) {
    this.rejects = Objects.requireNonNull(rejects, "rejects must not be null");
    this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
  }

  /** A sink that rejects the events with these ids. */
  public static RejectingUsageSink rejectingIds(String... ids) {
    Set<String> bad = Set.of(ids);
    return new RejectingUsageSink(event -> bad.contains(event.id()));
  }

  /** How many batches were rejected so far. */
  public long rejectedBatches() {
    return rejectedBatches.get();
  }

  /** The sink that stores the batches that are not rejected. */
  public InMemoryUsageSink delegate() {
    return delegate;
  }

  /**
   * Rejects the whole batch with {@link UsageRejectedException} if any event matches the rule,
   * otherwise stores it.
   */
  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    if (delegate.isShutDown()) {
      return delegate.export(batch); // fails: shut down wins over rejection
    }
    List<String> bad;
    try {
      bad = batch.stream().filter(rejects).map(UsageEvent::id).distinct().toList();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (bad.isEmpty()) {
      return delegate.export(batch);
    }
    rejectedBatches.incrementAndGet();
    String message =
        bad.size() == 1
            ? "event " + bad.get(0) + " rejected (injected)"
            : bad.size() + " events rejected (injected): " + bad;
    return CompletableFuture.failedFuture(new UsageRejectedException(message));
  }

  @Override
  public CompletableFuture<Void> flush() {
    return delegate.flush();
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return name() + "[rejectedBatches=" + rejectedBatches.get() + "]";
  }
}
