package dev.tally.core.internal.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocates the next segment ahead of need on a daemon thread ({@code tally-journal-allocator-N}):
 * writing a segment's zeros takes milliseconds, which a request thread should not pay when the
 * active segment fills. A failure here (full disk) is kept and the roller tries again itself, so
 * the request thread that rolls gets the {@link IOException}.
 */
final class SegmentAllocator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SegmentAllocator.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final long NONE = -1;

  private final Path directory;
  private final int capacity;
  private final boolean force;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Thread thread;

  // Guarded by this.
  private long wanted = NONE;
  private long inProgress = NONE;
  private @Nullable Segment ready;
  private @Nullable Segment spare; // a delivered segment to reuse
  private long failures;
  private boolean closed;

  SegmentAllocator(Path directory, int capacity, boolean force, Clock clock) {
    this.directory = directory;
    this.capacity = capacity;
    this.force = force;
    this.clock = clock;
    this.thread = new Thread(this::run, "tally-journal-allocator-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  /** Asks for segment {@code sequence} to be allocated in the background. */
  synchronized void prepare(long sequence) {
    if (closed || isPending(sequence)) {
      return;
    }
    wanted = sequence;
    notifyAll();
  }

  /** Whether segment {@code sequence} is asked for, being allocated, or ready. */
  synchronized boolean isPending(long sequence) {
    return wanted == sequence
        || inProgress == sequence
        || (ready != null && ready.sequence == sequence);
  }

  /** Bytes of the segments being allocated, ready or spare, for the disk usage figure. */
  synchronized long pendingBytes() {
    long bytes = (inProgress != NONE || ready != null) ? capacity : 0;
    return spare == null ? bytes : bytes + spare.capacity;
  }

  /**
   * Takes a delivered segment to reuse for the next one (its blocks and mapping stay; only zeros
   * are written, in memory). False when one is already kept: then the caller deletes it.
   */
  synchronized boolean offerSpare(Segment delivered) {
    if (closed || spare != null || delivered.capacity != capacity) {
      return false;
    }
    delivered.retire();
    spare = delivered;
    return true;
  }

  synchronized long failures() {
    return failures;
  }

  /**
   * Segment {@code sequence}: the one prepared ahead if there is one (waiting for it if it is being
   * written), else a new one allocated on the calling thread.
   *
   * @throws IOException when the segment cannot be allocated (a full disk, for one)
   */
  Segment obtain(long sequence) throws IOException {
    synchronized (this) {
      while (inProgress == sequence) {
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for journal segment " + sequence, e);
        }
      }
      Segment prepared = ready;
      if (prepared != null && prepared.sequence == sequence) {
        ready = null;
        return prepared;
      }
      if (wanted == sequence) {
        wanted = NONE;
      }
    }
    return create(sequence);
  }

  Segment create(long sequence) throws IOException {
    Segment reuse;
    synchronized (this) {
      reuse = spare;
      spare = null;
    }
    if (reuse != null) {
      try {
        return Segment.recycle(reuse, directory, sequence, random.nextInt(), clock.millis(), force);
      } catch (IOException | RuntimeException e) {
        log.debug("Tally journal: could not reuse {}: {}", reuse, e.toString());
        discard(reuse);
      }
    }
    return Segment.create(directory, sequence, capacity, random.nextInt(), clock.millis(), force);
  }

  private void run() {
    while (true) {
      long sequence;
      synchronized (this) {
        while (!closed && wanted == NONE) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        sequence = wanted;
        wanted = NONE;
        inProgress = sequence;
      }
      Segment created = null;
      try {
        created = create(sequence);
      } catch (IOException | RuntimeException e) {
        log.debug("Tally journal: allocating segment {} ahead failed: {}", sequence, e.toString());
      }
      synchronized (this) {
        inProgress = NONE;
        if (created == null) {
          failures++;
        } else if (closed) {
          discard(created);
        } else {
          ready = created;
        }
        notifyAll();
      }
    }
  }

  /** Stops the thread and removes a segment allocated ahead that was never used. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (ready != null) {
        discard(ready);
        ready = null;
      }
      if (spare != null) {
        discard(spare);
        spare = null;
      }
    }
  }

  private static void discard(Segment segment) {
    segment.unmap();
    try {
      Files.deleteIfExists(segment.path);
    } catch (IOException e) {
      log.debug("Tally journal: could not delete unused segment {}: {}", segment, e.toString());
    }
  }
}
