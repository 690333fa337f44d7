package dev.tally.jdbc;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A tiny real ext4 filesystem, loop-mounted from an image file, on which a test can make faults
 * happen: fill it up, or make files immutable ({@code chattr +i}). Needs Linux, root, {@code
 * mkfs.ext4} and loop devices; where any is missing the test is skipped (a JUnit assumption naming
 * the reason). CI runs as root, so there it runs.
 */
final class LoopDisk implements AutoCloseable {
  private final Path image;
  private final Path root;
  private final List<Path> immutable = new ArrayList<>();

  private LoopDisk(Path image, Path root) {
    this.image = image;
    this.root = root;
  }

  /** Mounts a fresh filesystem of {@code megabytes} under {@code work}, or skips the test. */
  static LoopDisk mount(Path work, int megabytes) throws IOException {
    assumeTrue(
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
        "a loop-mounted filesystem needs Linux");
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "mounting a loop filesystem needs root (CI runs as root); running as "
            + System.getProperty("user.name"));
    Path image = work.resolve("disk.img");
    Path root = Files.createDirectories(work.resolve("mnt"));
    try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(megabytes * 1024L * 1024L);
    }
    // -m 0: no blocks reserved for root, who would otherwise still write to a "full" disk.
    Result mkfs = run("mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
    assumeTrue(mkfs.ok(), () -> "mkfs.ext4 is unavailable: " + mkfs.output());
    Result mount = run("mount", "-o", "loop", image.toString(), root.toString());
    assumeTrue(mount.ok(), () -> "mount -o loop is unavailable: " + mount.output());
    return new LoopDisk(image, root);
  }

  Path root() {
    return root;
  }

  /** {@code chattr +i} on each file that exists. */
  void makeImmutable(Path... files) {
    for (Path file : files) {
      if (Files.exists(file)) {
        check(run("chattr", "+i", file.toString()), "chattr +i " + file);
        immutable.add(file);
      }
    }
  }

  /** {@code chattr -i} on every file made immutable. */
  void makeMutable() {
    for (Path file : immutable) {
      check(run("chattr", "-i", file.toString()), "chattr -i " + file);
    }
    immutable.clear();
  }

  /** Writes a file until the filesystem is full; returns it, so that deleting it frees the disk. */
  Path fill() throws IOException {
    Path filler = root.resolve("filler");
    byte[] chunk = new byte[64 * 1024];
    try (var out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      // "No space left on device": the point of the exercise.
    }
    try (var out = Files.newOutputStream(root.resolve("filler-tail"))) {
      // The last blocks below a 64 KiB chunk.
      while (true) {
        out.write(chunk, 0, 512);
      }
    } catch (IOException full) {
      // full to the last block
    }
    return filler;
  }

  /** Frees what {@link #fill()} took. */
  void free() throws IOException {
    Files.deleteIfExists(root.resolve("filler"));
    Files.deleteIfExists(root.resolve("filler-tail"));
  }

  @Override
  public void close() {
    makeMutable();
    check(run("umount", "-l", root.toString()), "umount " + root);
    try {
      Files.deleteIfExists(image);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void check(Result result, String what) {
    if (!result.ok()) {
      throw new IllegalStateException(what + " failed: " + result.output());
    }
  }

  private record Result(boolean ok, String output) {}

  private static Result run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(false, String.join(" ", command) + " timed out");
      }
      return new Result(p.exitValue() == 0, out);
    } catch (IOException e) {
      return new Result(false, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, e.toString());
    }
  }
}
