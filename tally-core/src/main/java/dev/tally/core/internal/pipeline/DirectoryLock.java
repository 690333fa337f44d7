package dev.tally.core.internal.pipeline;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The journal's directory, made ready and held with a lock file so no second journal shares it. */
final class DirectoryLock implements Closeable {
  static final String FILE = "journal.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Creates {@code directory} if it is missing and locks it.
   *
   * @throws IOException naming the directory when it cannot be created, is not a writable
   *     directory, or another journal holds it
   */
  static DirectoryLock acquire(Path directory) throws IOException {
    Path absolute = directory.toAbsolutePath();
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new IOException(
          "journal directory " + absolute + " does not exist and cannot be created: " + e, e);
    }
    if (!Files.isDirectory(directory) || !Files.isWritable(directory)) {
      throw new IOException("journal directory " + absolute + " is not a writable directory");
    }
    FileChannel channel;
    try {
      channel =
          FileChannel.open(
              directory.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IOException("journal directory " + absolute + " is not writable: " + e, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IOException(
          "journal directory " + absolute + " is in use by another journal; give each its own");
    }
    return new DirectoryLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
