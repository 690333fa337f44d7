package dev.tally.springai.internal;

import org.jspecify.annotations.Nullable;

/**
 * Hands a streamed round from the model's observation to the {@link RoundAdvisor} that relays its
 * chunks. The advisor opens a link on the thread that subscribes to the rest of the chain; Spring
 * AI subscribes synchronously down to the model's {@code Flux.deferContextual}, where the model's
 * observation starts, so the handler finds the link on the same thread and attaches its round. If
 * some advisor in between subscribes on another thread, no link is found and the round is still
 * recorded from the model's aggregated response (only a cancelled stream then misses the text
 * delivered before the cancel).
 */
final class RoundLink {
  private static final ThreadLocal<@Nullable RoundLink> OPEN = new ThreadLocal<>();

  private volatile @Nullable ChatRound round;

  static @Nullable RoundLink open() {
    return OPEN.get();
  }

  static void open(@Nullable RoundLink link) {
    if (link == null) {
      OPEN.remove();
    } else {
      OPEN.set(link);
    }
  }

  void attach(ChatRound attached) {
    attached.pendingEnds.incrementAndGet();
    this.round = attached;
  }

  @Nullable ChatRound round() {
    return round;
  }
}
