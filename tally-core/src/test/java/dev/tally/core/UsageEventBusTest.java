package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.core.event.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UsageEventBusTest {
  sealed interface ChatEvent permits ChatCompleted, ChatFailed {}

  record ChatCompleted(String user, long tokens) implements ChatEvent {}

  record ChatFailed(String user) implements ChatEvent {}

  @Test
  void listenersReceiveEventsOfTheirTypeAndItsSubtypes() {
    try (UsageEventBus bus = UsageEventBus.synchronous()) {
      List<Object> completed = new CopyOnWriteArrayList<>();
      List<Object> all = new CopyOnWriteArrayList<>();
      bus.subscribe(ChatCompleted.class, completed::add);
      bus.subscribe(ChatEvent.class, all::add);

      bus.publish(new ChatCompleted("alice", 10));
      bus.publish(new ChatFailed("bob"));
      bus.publish("unrelated");

      assertThat(completed).containsExactly(new ChatCompleted("alice", 10));
      assertThat(all).containsExactly(new ChatCompleted("alice", 10), new ChatFailed("bob"));
      assertThat(bus.stats().published()).isEqualTo(3);
      assertThat(bus.stats().delivered()).isEqualTo(3);
    }
  }

  @Test
  void throwingListenerLeavesPublisherAndOtherListenersUnaffected() {
    try (UsageEventBus bus = UsageEventBus.synchronous()) {
      List<ChatCompleted> received = new CopyOnWriteArrayList<>();
      bus.subscribe(
          ChatCompleted.class,
          e -> {
            throw new IllegalStateException("listener bug (injected)");
          });
      bus.subscribe(ChatCompleted.class, received::add);

      bus.publish(new ChatCompleted("alice", 1));
      bus.publish(new ChatCompleted("alice", 2));

      assertThat(received).hasSize(2);
      assertThat(bus.stats().failed()).isEqualTo(2);
      assertThat(bus.stats().delivered()).isEqualTo(2);
    }
  }

  @Test
  void slowListenerNeitherBlocksThePublisherNorDelaysOtherListeners() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (UsageEventBus bus = UsageEventBus.async(2, 100)) {
      List<ChatCompleted> fast = new CopyOnWriteArrayList<>();
      bus.subscribe(
          ChatCompleted.class,
          e -> {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
            }
          });
      bus.subscribe(ChatCompleted.class, fast::add);

      bus.publish(new ChatCompleted("alice", 1)); // returns although the slow listener is stuck

      await().atMost(Duration.ofSeconds(10)).until(() -> fast.size() == 1);
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> bus.stats().delivered() == 2);
    }
  }

  @Test
  void listenersRunOnNamedDaemonThreads() {
    try (UsageEventBus bus = UsageEventBus.async()) {
      List<Thread> threads = new CopyOnWriteArrayList<>();
      bus.subscribe(ChatCompleted.class, e -> threads.add(Thread.currentThread()));

      bus.publish(new ChatCompleted("alice", 1));

      await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 1);
      assertThat(threads.get(0).getName()).startsWith("tally-events-");
      assertThat(threads.get(0).isDaemon()).isTrue();
    }
  }

  @Test
  void fullListenerQueueDropsAndCountsInsteadOfBlocking() {
    CountDownLatch release = new CountDownLatch(1);
    try (UsageEventBus bus = UsageEventBus.async(1, 2)) {
      bus.subscribe(
          ChatCompleted.class,
          e -> {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
            }
          });

      for (int i = 0; i < 10; i++) {
        bus.publish(new ChatCompleted("alice", i));
      }

      assertThat(bus.stats().dropped()).isBetween(7L, 8L);
      release.countDown();
    }
  }

  @Test
  void unsubscribedListenerNoLongerReceives() {
    try (UsageEventBus bus = UsageEventBus.synchronous()) {
      List<ChatCompleted> received = new CopyOnWriteArrayList<>();
      UsageEventBus.Subscription subscription = bus.subscribe(ChatCompleted.class, received::add);

      bus.publish(new ChatCompleted("a", 1));
      subscription.unsubscribe();
      subscription.unsubscribe();
      bus.publish(new ChatCompleted("a", 2));

      assertThat(received).hasSize(1);
    }
  }

  @Test
  void eventDrivenTrackingEndToEnd() {
    RecordingDestination events = new RecordingDestination();
    UsageTracker tracker = UsageTracker.builder(events).build();
    try (UsageEventBus bus = UsageEventBus.synchronous()) {
      bus.subscribe(
          ChatCompleted.class,
          e ->
              tracker.track(
                  tracker
                      .event("chat")
                      .subject(e.user())
                      .tokens(TokenUsage.reported(e.tokens(), 0))
                      .build()));

      bus.publish(new ChatCompleted("alice", 12));
    }
    assertThat(events.last().subject()).isEqualTo("alice");
    assertThat(events.last().tokens().input()).isEqualTo(12);
  }
}
