package dev.tally.test;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink whose store can be switched off, for testing outages: while it is {@linkplain #down()
 * down}, or for the next {@linkplain #failNext(int) n} exports, every export completes
 * exceptionally with a transient {@link UncheckedIOException} ({@code "sink down (injected)"}), the
 * kind of error a pipeline retries and spools. Otherwise it stores into its {@link #delegate()}.
 *
 * <pre>{@code
 * FailingUsageSink sink = new FailingUsageSink().down();
 * // ... submit events: the pipeline retries, then spools them
 * sink.up();
 * await().untilAsserted(() -> assertThat(sink.delegate()).hasSize(3));
 * }</pre>
 *
 * <p>Starts up. Thread-safe. Never throws from {@link #export} and never blocks. {@link #flush()}
 * and {@link #shutdown()} are passed to the delegate and never fail by injection.
 */
public final class FailingUsageSink implements UsageSink {
  private final InMemoryUsageSink delegate;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicInteger failuresToInject = new AtomicInteger();
  private final AtomicLong failedAttempts = new AtomicLong();

  /** A sink that is up, storing into a new {@link InMemoryUsageSink}. */
  public FailingUsageSink() {
    this(new InMemoryUsageSink());
  }

  /** A sink that is up, storing into {@code delegate}. */
  public FailingUsageSink(InMemoryUsageSink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
  }

  /** Takes the sink down: every export fails until {@link #up()}. Returns this sink. */
  public FailingUsageSink down() {
    down.set(true);
    return this;
  }

  /**
   * Brings the sink back up and cancels any pending {@link #failNext(int)} failures. Returns this
   * sink.
   */
  public FailingUsageSink up() {
    down.set(false);
    failuresToInject.set(0);
    return this;
  }

  /**
   * Makes the next {@code n} exports fail, then lets exports through again (unless the sink is
   * {@linkplain #down() down}). Replaces any count set before; 0 cancels. Returns this sink.
   *
   * @throws IllegalArgumentException if {@code n} is negative
   */
  public FailingUsageSink failNext(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, was " + n);
    }
    failuresToInject.set(n);
    return this;
  }

  /** Whether the next export would fail. */
  public boolean isFailing() {
    return down.get() || failuresToInject.get() > 0;
  }

  /** How many exports failed by injection so far. */
  public long failedAttempts() {
    return failedAttempts.get();
  }

  /** The sink that receives the exports that go through. */
  public InMemoryUsageSink delegate() {
    return delegate;
  }

  /**
   * Fails with an {@link UncheckedIOException} while failing, otherwise stores into the delegate.
   * Every call while failing counts as one failed attempt, an empty batch too.
   */
  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    if (down.get() || failuresToInject.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      failedAttempts.incrementAndGet();
      return CompletableFuture.failedFuture(
          new UncheckedIOException(new IOException("sink down (injected)")));
    }
    return delegate.export(batch);
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
    return name()
        + "[down="
        + down.get()
        + ", failNext="
        + failuresToInject.get()
        + ", failedAttempts="
        + failedAttempts.get()
        + "]";
  }
}
