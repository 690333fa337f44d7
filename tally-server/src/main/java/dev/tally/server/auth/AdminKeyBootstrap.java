package dev.tally.server.auth;

import dev.tally.server.ServerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes sure the {@code admin} user has a key at start. With {@code TALLY_ADMIN_KEY} (property
 * {@code tally.server.admin-key}) that key is the admin's only key, so changing the variable
 * rotates it; a weak one stops the start ({@link KeyStrength}), before the server listens. Without
 * it, the first start generates a key, stores its hash, prints it once as one plain line on stderr
 * (outside the JSON log, which never contains it) and writes it to {@code
 * tally.server.admin-key-file} ({@code data/admin-key}, readable by its owner only); later starts
 * find the hash and print nothing.
 */
final class AdminKeyBootstrap implements ApplicationRunner {
  static final String ADMIN = "admin";
  static final String PROPERTY = "tally.server.admin-key";
  static final String VARIABLE = "TALLY_ADMIN_KEY";

  /** Starts the line on stderr that carries a generated key, so that it can be found with grep. */
  static final String MARKER = "TALLY ADMIN KEY";

  private static final Logger log = LoggerFactory.getLogger(AdminKeyBootstrap.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Users users;
  private final ApiKeys keys;
  private final TransactionTemplate tx;
  private final @Nullable String configured;
  private final @Nullable Path keyFile;
  private final PrintStream console;

  /**
   * @throws WeakKeyException when the configured key is weak
   */
  AdminKeyBootstrap(
      Users users,
      ApiKeys keys,
      ServerSettings settings,
      TransactionTemplate tx,
      PrintStream console) {
    String key = settings.adminKey();
    this.configured = key == null || key.isBlank() ? null : key;
    if (configured != null) {
      WeakKeyException.requireStrong(PROPERTY, VARIABLE, configured);
    }
    this.users = users;
    this.keys = keys;
    this.tx = tx;
    this.keyFile =
        settings.adminKeyFile().isBlank()
            ? null
            : Path.of(settings.adminKeyFile()).toAbsolutePath();
    this.console = console;
  }

  @Override
  public void run(ApplicationArguments args) {
    String generated =
        tx.execute(
            status -> {
              if (users.find(ADMIN).isEmpty()) {
                users.create(ADMIN, null, true);
              }
              if (configured != null) {
                keys.add(ADMIN, configured);
                keys.removeAllExcept(ADMIN, configured);
                return null;
              }
              return keys.count(ADMIN) == 0 ? keys.create(ADMIN, null).key() : null;
            });
    if (generated != null) {
      announce(generated);
    } else if (configured != null && keyFile != null) {
      removeStaleFile(keyFile);
    }
  }

  private void announce(String key) {
    String saved = keyFile != null && save(keyFile, key) ? "; also in " + keyFile : "";
    // Shown once: only the hash is stored, so it cannot be printed again.
    console.println(
        MARKER + " (generated at this first start, printed only once" + saved + "): " + key);
    console.flush();
    log.warn(
        "Generated the admin API key: printed once on stderr (the line starting '{}'){}; set {} to"
            + " choose your own",
        MARKER,
        saved.isEmpty() ? "" : " and written to " + keyFile + ", readable by its owner only",
        VARIABLE);
  }

  /** Writes the key to a file only its owner can read (mode 600 on POSIX file systems). */
  private static boolean save(Path file, String key) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.deleteIfExists(file);
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      if (posix) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("could not write the admin key to {}: {}", file, e.toString());
      return false;
    }
  }

  /** A generated key left over from before TALLY_ADMIN_KEY was set no longer works. */
  private static void removeStaleFile(Path file) {
    try {
      if (Files.deleteIfExists(file)) {
        log.info(
            "removed {}: {} is set, so the generated key there no longer works", file, VARIABLE);
      }
    } catch (IOException e) {
      log.warn("could not remove the stale admin key file {}: {}", file, e.toString());
    }
  }
}
