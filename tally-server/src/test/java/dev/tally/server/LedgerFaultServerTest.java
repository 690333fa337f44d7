package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.jdbc.internal.SqliteUrls;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The real server with its usage ledger on a tiny loop-mounted ext4 filesystem whose files become
 * immutable while chats are answered. This killed the JVM with SIGBUS before the ledger kept its
 * WAL index in heap memory; now chats keep being answered, health goes DOWN, and once the files are
 * writable again every chat is in the ledger exactly once. Skipped (with the reason) unless the
 * build runs as root with loop devices, as CI does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LedgerFaultServerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;
  private static LoopDisk disk;

  @BeforeAll
  static void mountTheLedgerDisk() throws Exception {
    disk = LoopDisk.mount(work, 16);
  }

  @AfterAll
  static void unmount() {
    if (disk != null) {
      disk.close();
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + work.resolve("server.db"));
    registry.add("tally.store.url", () -> ledgerUrl());
    // The spool stays on a healthy disk: only the ledger's disk fails.
    registry.add("tally.pipeline.spool-directory", () -> work.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "10ms");
    registry.add("tally.pipeline.max-retries", () -> "1");
    registry.add("tally.pipeline.initial-backoff", () -> "10ms");
    registry.add("tally.pipeline.max-backoff", () -> "200ms");
    registry.add("tally.pipeline.export-timeout", () -> "5s");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
  }

  private static String ledgerUrl() {
    return "jdbc:sqlite:" + disk.root().resolve("tally.db");
  }

  @LocalServerPort int port;

  @Test
  void chatsAreAnsweredWhileTheLedgerDiskFailsAndEachIsStoredOnceWhenItRecovers() throws Exception {
    Api api = new Api(port);
    String user = "fault-user";
    String key = api.newUser(user);
    for (int i = 0; i < 5; i++) {
      assertThat(api.chat(key, "before " + i).status()).isEqualTo(200);
    }
    await().atMost(WAIT).until(() -> chatsInLedger(user) == 5);
    assertThat(disk.root().resolve("tally.db-shm")).doesNotExist();

    Path db = disk.root().resolve("tally.db");
    disk.makeImmutable(db, db.resolveSibling("tally.db-wal"), db.resolveSibling("tally.db-shm"));
    for (int i = 0; i < 20; i++) {
      assertThat(api.chat(key, "during " + i).status()).isEqualTo(200);
    }
    await()
        .atMost(WAIT)
        .until(
            () ->
                "DOWN".equals(api.get("/actuator/health", null).json().path("status").asString()));
    // Still answering while the ledger is down.
    for (int i = 0; i < 10; i++) {
      assertThat(api.chat(key, "still down " + i).status()).isEqualTo(200);
    }

    disk.makeMutable();
    await()
        .atMost(WAIT)
        .until(
            () -> "UP".equals(api.get("/actuator/health", null).json().path("status").asString()));
    await().atMost(WAIT).until(() -> chatsInLedger(user) == 35);
    // And no more than once: the count holds after the spool is fully replayed.
    await()
        .atMost(WAIT)
        .until(
            () ->
                api.get("/actuator/health", null)
                        .json()
                        .path("components")
                        .path("tally")
                        .path("details")
                        .path("spoolBytes")
                        .asLong(-1)
                    <= 0);
    assertThat(chatsInLedger(user)).isEqualTo(35);
  }

  /** Chat events of the user in the ledger, read in this process through the store's VFS. */
  private static long chatsInLedger(String user) throws Exception {
    try (Connection c = DriverManager.getConnection(SqliteUrls.exclusive(ledgerUrl()));
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT COUNT(*) FROM tally_event e JOIN tally_code k ON k.kind = 1"
                    + " AND k.code = e.operation WHERE e.subject = ? AND k.value = 'chat'")) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
