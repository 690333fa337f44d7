package dev.tally.core.sink;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A sink that adds something around another sink (pricing, budget evaluation) and forwards flush
 * and shutdown to it. Subclasses implement {@link #export}.
 */
public abstract class ForwardingUsageSink implements UsageSink {
  private final UsageSink delegate;

  protected ForwardingUsageSink(UsageSink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
  }

  /** The sink this one forwards to. */
  public final UsageSink delegate() {
    return delegate;
  }

  @Override
  public CompletableFuture<Void> flush() {
    return delegate.flush();
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    return delegate.shutdown();
  }
}
