package dev.tally.core.internal.pipeline;

import static dev.tally.core.internal.pipeline.Records.readAll;
import static dev.tally.core.internal.pipeline.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under a mapped journal: an {@link IOException} when a segment rolls, never a SIGBUS.
 * Needs root to mount a 2 MiB tmpfs (CI runs as root); skipped elsewhere.
 */
class JournalFullDiskTest {
  @TempDir Path temporary;
  private Path mountPoint;
  private boolean mounted;

  @BeforeEach
  void mountSmallTmpfs() throws Exception {
    mountPoint = Files.createDirectories(temporary.resolve("small-disk"));
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs");
    mounted = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.toString());
    assumeTrue(mounted, "could not mount a tmpfs at " + mountPoint);
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted) {
      // Lazy: mappings of the journal's open segments go away only when the GC collects them.
      run("umount", "-l", mountPoint.toString());
    }
  }

  @Test
  void fullDiskIsAnIOExceptionWhenASegmentRollsAndTheJournalKeepsWorking() throws IOException {
    Path directory = mountPoint.resolve("journal");
    try (Journal journal =
        Journal.builder(directory).segmentBytes(512 * 1024).maxBytes(1L << 30).open()) {
      int appended = 0;
      IOException failure = null;
      while (failure == null && appended < 100_000) {
        try {
          assertThat(journal.append(record("e" + appended))).isTrue();
          appended++;
        } catch (IOException e) {
          failure = e;
        }
      }

      assertThat(failure).as("a full disk must surface as an IOException").isNotNull();
      assertThat(failure).hasMessageContaining("could not allocate journal segment");
      assertThat(appended).isGreaterThan(2_000); // at least a few segments' worth went in
      assertThat(journal.stats().appendFailures()).isPositive();
      // The process lives, and every record written before the failure is there.
      assertThat(readAll(journal)).hasSize(appended);

      // Once delivered segments are deleted (and unmapped), the space is back.
      journal.checkpoint(journal.readPosition());
      assertThat(journal.append(record("after"))).isTrue();
      assertThat(readAll(journal)).containsExactly("after");

      assertThatThrownBy(() -> fillUp(journal)).isInstanceOf(IOException.class);
    }
  }

  private static void fillUp(Journal journal) throws IOException {
    for (int i = 0; i < 100_000; i++) {
      journal.append(record("more" + i));
    }
  }

  private static boolean run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
  }
}
