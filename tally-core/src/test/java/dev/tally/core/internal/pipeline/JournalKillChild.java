package dev.tally.core.internal.pipeline;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link JournalKillTest}: 8 threads append records and print each id once
 * {@code append} has returned; a delivery thread reads batches, "commits" them to a ledger file
 * (the sink) and then checkpoints, as the pipeline worker will. Runs until it is killed.
 *
 * <p>Arguments: journal directory, ledger file, round number (makes ids unique across rounds).
 */
public final class JournalKillChild {
  static final int THREADS = 8;
  static final int SEGMENT_BYTES = 256 * 1024;

  private JournalKillChild() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Path ledger = Path.of(args[1]);
    String round = args[2];
    Journal journal =
        Journal.builder(directory).segmentBytes(SEGMENT_BYTES).maxBytes(256L << 20).open();
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out));

    Thread delivery = new Thread(() -> deliver(journal, ledger), "delivery");
    delivery.setDaemon(true);
    delivery.start();
    for (int t = 0; t < THREADS; t++) {
      String prefix = "r" + round + "-t" + t + "-";
      Thread writer =
          new Thread(
              () -> {
                for (long n = 0; ; n++) {
                  String id = prefix + n;
                  try {
                    if (!journal.append(Records.record(id))) {
                      continue; // at the cap: not stored, so not printed
                    }
                  } catch (Exception e) {
                    e.printStackTrace();
                    return;
                  }
                  synchronized (out) {
                    out.println(id); // unbuffered: one write(2) per id, after append returned
                  }
                }
              },
              "writer-" + t);
      writer.start();
    }
    delivery.join();
  }

  private static void deliver(Journal journal, Path ledger) {
    try (FileChannel sink =
        FileChannel.open(
            ledger,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      while (true) {
        JournalBatch batch = journal.read(500);
        if (batch.isEmpty()) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
          continue;
        }
        StringBuilder lines = new StringBuilder();
        for (byte[] record : batch.records()) {
          lines.append(Records.id(record)).append('\n');
        }
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          sink.write(bytes);
        }
        journal.checkpoint(batch.end()); // only after the sink committed
      }
    } catch (Exception e) {
      e.printStackTrace();
    }
  }
}
