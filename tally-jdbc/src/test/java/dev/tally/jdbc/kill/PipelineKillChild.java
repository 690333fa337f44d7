package dev.tally.jdbc.kill;

import dev.tally.core.UsageTracker;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.jdbc.JdbcUsageStore;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The process {@link PipelineKillTest} kills: tracks events from {@link #THREADS} threads through a
 * real {@link UsageTracker} and pipeline with the journal ({@link Durability#PROCESS}) into a real
 * SQLite store, and prints each id once {@code track()} has returned. Runs until killed.
 */
public final class PipelineKillChild {
  static final int THREADS = 8;
  static final int SEGMENT_BYTES = 1024 * 1024;

  private PipelineKillChild() {}

  /** A pipeline as the child (and the parent's final restart) builds it. */
  static UsagePipeline pipeline(JdbcUsageStore store, Path directory) {
    return UsagePipeline.builder(store)
        .durability(Durability.PROCESS)
        .spoolDirectory(directory)
        .journalSegmentBytes(SEGMENT_BYTES)
        .flushInterval(Duration.ofMillis(5))
        .backoff(Duration.ofMillis(10), Duration.ofMillis(200))
        .build();
  }

  static UsageEvent event(String id) {
    return UsageEvent.builder("chat")
        .id(id)
        .subject("user-" + (id.hashCode() & 7))
        .model("gpt-4o-mini")
        .tokens(new TokenUsage(120, 30, 0, 48, 8, UsageSource.REPORTED))
        .duration(Duration.ofMillis(350))
        .attribute("route", "/api/chat")
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Path database = Path.of(args[1]);
    String round = args[2];
    JdbcUsageStore store = JdbcUsageStore.sqlite(database);
    UsagePipeline pipeline = pipeline(store, directory);
    UsageTracker tracker = UsageTracker.builder(pipeline).build();
    // Unbuffered: one write(2) per id, after track() returned.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out));
    Thread[] writers = new Thread[THREADS];
    for (int t = 0; t < THREADS; t++) {
      String prefix = "r" + round + "-t" + t + "-";
      writers[t] =
          new Thread(
              () -> {
                for (long n = 0; ; n++) {
                  String id = prefix + n;
                  tracker.track(event(id));
                  synchronized (out) {
                    out.println(id);
                  }
                  // About a request's pace, so a kill finds the worker delivering, not only
                  // the writers appending.
                  LockSupport.parkNanos(50_000);
                }
              },
              "writer-" + t);
      writers[t].start();
    }
    for (Thread writer : writers) {
      writer.join();
    }
  }
}
