package dev.tally.jdbc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A writer for {@link SqliteDeferredRollupTest}, run in a child JVM: it commits three batches
 * without flushing their rollups, says so in a marker file and waits to be killed with SIGKILL.
 */
public final class CrashingWriter {
  private CrashingWriter() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    Path ready = Path.of(args[1]);
    JdbcUsageStore store =
        JdbcUsageStore.builder()
            .url("jdbc:sqlite:" + db)
            .clock(TestEvents.CLOCK)
            .rollupFlushBatches(1000)
            .rollupFlushInterval(Duration.ofDays(1))
            .build();
    var events = SqliteDeferredRollupTest.events();
    for (int i = 0; i < 3; i++) {
      store.export(events.subList(i * 200, (i + 1) * 200)).get(30, TimeUnit.SECONDS);
    }
    Files.writeString(ready, Integer.toString(store.pendingRollupKeys()));
    Thread.sleep(Long.MAX_VALUE);
  }
}
