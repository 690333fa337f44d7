package dev.tally.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.server.ServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

/** The admin key across restarts, on a real SQLite file migrated like the server's. */
@ExtendWith(OutputCaptureExtension.class)
class AdminKeyBootstrapTest {
  static final Pattern PRINTED =
      Pattern.compile("^" + AdminKeyBootstrap.MARKER + " .*: (tly_[\\w-]+)$", Pattern.MULTILINE);
  static final String STRONG = "5f0c9a4e27b3d81f6a0e9c2b7d4f1a3e";

  @TempDir Path dir;
  SimpleDriverDataSource dataSource;
  ByteArrayOutputStream console;

  @BeforeEach
  void database() {
    dataSource =
        new SimpleDriverDataSource(new org.sqlite.JDBC(), "jdbc:sqlite:" + dir.resolve("s.db"));
    Flyway.configure().dataSource(dataSource).table("tally_server_schema_history").load().migrate();
  }

  Path keyFile() {
    return dir.resolve("data").resolve("admin-key");
  }

  /** One start of the server: fresh beans over the same database. */
  ApiKeys start(@Nullable String adminKey) {
    JdbcClient db = JdbcClient.create(dataSource);
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    Users users = new Users(db, Clock.systemUTC());
    ApiKeys keys =
        new ApiKeys(db, users, new KeyUsage(db, tx, Duration.ofMinutes(1)), Clock.systemUTC());
    console = new ByteArrayOutputStream();
    new AdminKeyBootstrap(
            users,
            keys,
            settings(adminKey, keyFile().toString()),
            tx,
            new PrintStream(console, true, StandardCharsets.UTF_8))
        .run(new DefaultApplicationArguments());
    return keys;
  }

  String printed() {
    return console.toString(StandardCharsets.UTF_8);
  }

  static ServerSettings settings(@Nullable String adminKey, String adminKeyFile) {
    return new ServerSettings(
        adminKey,
        new ServerSettings.Chat(
            DataSize.ofKilobytes(32), 20, Duration.ofDays(30), Duration.ofHours(1)),
        new ServerSettings.Model(
            "echo",
            new ServerSettings.Echo(
                "echo",
                new ServerSettings.DemoPrice(true, BigDecimal.ONE, BigDecimal.valueOf(2), "USD"),
                Duration.ZERO),
            new ServerSettings.OpenAi(
                "http://localhost",
                null,
                "m",
                "openai",
                Duration.ofSeconds(1),
                Duration.ofSeconds(1))),
        adminKeyFile,
        null,
        new ServerSettings.Anonymous(null),
        new ServerSettings.Keys(Duration.ofMinutes(1), Duration.ofSeconds(5)));
  }

  @Test
  void aGeneratedKeyIsPrintedOnceAsOnePlainLineAndWrittenToAnOwnerOnlyFile(CapturedOutput log)
      throws Exception {
    start(null);

    Matcher line = PRINTED.matcher(printed());
    assertThat(line.find()).as("the first start prints the key: %s", printed()).isTrue();
    String key = line.group(1);
    assertThat(printed().lines()).hasSize(1);
    assertThat(Files.readString(keyFile()).strip()).isEqualTo(key);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile())))
        .isEqualTo("rw-------");
    assertThat(log.getAll()).contains("Generated the admin API key").doesNotContain(key);

    ApiKeys restarted = start(null);

    assertThat(printed()).isEmpty();
    assertThat(restarted.authenticate(key)).hasValueSatisfying(c -> assertThat(c.admin()).isTrue());
  }

  @Test
  void theEnvironmentKeyIsTheAdminsOnlyKeyAndTheStaleFileGoes() {
    start(null);
    Matcher generated = PRINTED.matcher(printed());
    assertThat(generated.find()).isTrue();

    ApiKeys keys = start(STRONG);

    assertThat(keys.authenticate(STRONG))
        .hasValueSatisfying(c -> assertThat(c.subject()).isEqualTo("admin"));
    assertThat(keys.authenticate(generated.group(1))).isEmpty();
    assertThat(keys.authenticate("anything-else")).isEmpty();
    assertThat(printed()).isEmpty();
    assertThat(keyFile()).doesNotExist();
  }

  @Test
  void aWeakEnvironmentKeyIsRefusedBeforeAnythingIsStored() {
    assertThatThrownBy(() -> start("a"))
        .isInstanceOf(WeakKeyException.class)
        .hasMessageStartingWith(
            "tally.server.admin-key (TALLY_ADMIN_KEY) is too weak: it has about")
        .hasMessageNotContaining("'a'");
    assertThat(
            JdbcClient.create(dataSource)
                .sql("SELECT COUNT(*) FROM users")
                .query(Integer.class)
                .single())
        .isZero();
  }
}
