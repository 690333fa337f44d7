package dev.tally.server.auth;

import dev.tally.server.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes sure the {@code admin} user has a key at start. With {@code TALLY_ADMIN_KEY} (property
 * {@code tally.server.admin-key}) that key is the admin's only key, so changing the variable
 * rotates it. Without it, the first start generates a key, stores its hash and prints it once;
 * later starts find the hash and print nothing.
 */
@Component
class AdminKeyBootstrap implements ApplicationRunner {
  static final String ADMIN = "admin";
  private static final Logger log = LoggerFactory.getLogger(AdminKeyBootstrap.class);

  private final ApiKeys keys;
  private final ServerSettings settings;
  private final TransactionTemplate tx;

  AdminKeyBootstrap(ApiKeys keys, ServerSettings settings, TransactionTemplate tx) {
    this.keys = keys;
    this.settings = settings;
    this.tx = tx;
  }

  @Override
  public void run(ApplicationArguments args) {
    String configured = settings.adminKey();
    String generated =
        tx.execute(
            status -> {
              if (keys.findUser(ADMIN).isEmpty()) {
                keys.createUser(ADMIN, null, true);
              }
              if (configured != null && !configured.isBlank()) {
                keys.addKey(ADMIN, configured);
                keys.removeKeysExcept(ADMIN, configured);
                return null;
              }
              return keys.keyCount(ADMIN) == 0 ? keys.createKey(ADMIN) : null;
            });
    if (generated != null) {
      // Shown once: only the hash is stored, so it cannot be printed again.
      log.warn(
          "Generated the admin API key (shown only this once; set TALLY_ADMIN_KEY to choose"
              + " your own): {}",
          generated);
    }
  }
}
