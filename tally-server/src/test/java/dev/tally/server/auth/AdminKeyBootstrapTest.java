package dev.tally.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.server.ServerSettings;
import java.math.BigDecimal;
import java.nio.file.Path;
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
  static final Pattern GENERATED = Pattern.compile("Generated the admin API key.*?(tly_[\\w-]+)");

  @TempDir Path dir;
  SimpleDriverDataSource dataSource;

  @BeforeEach
  void database() {
    dataSource =
        new SimpleDriverDataSource(new org.sqlite.JDBC(), "jdbc:sqlite:" + dir.resolve("s.db"));
    Flyway.configure().dataSource(dataSource).table("tally_server_schema_history").load().migrate();
  }

  /** One start of the server: fresh beans over the same database. */
  ApiKeys start(@Nullable String adminKey) {
    ApiKeys keys = new ApiKeys(JdbcClient.create(dataSource), Clock.systemUTC());
    new AdminKeyBootstrap(
            keys,
            settings(adminKey),
            new TransactionTemplate(new DataSourceTransactionManager(dataSource)))
        .run(new DefaultApplicationArguments());
    return keys;
  }

  static ServerSettings settings(@Nullable String adminKey) {
    return new ServerSettings(
        adminKey,
        new ServerSettings.Chat(DataSize.ofKilobytes(32), 20),
        new ServerSettings.Model(
            "echo",
            new ServerSettings.Echo(
                "echo",
                new ServerSettings.DemoPrice(true, BigDecimal.ONE, BigDecimal.valueOf(2), "USD")),
            new ServerSettings.OpenAi(
                "http://localhost",
                null,
                "m",
                "openai",
                Duration.ofSeconds(1),
                Duration.ofSeconds(1))));
  }

  @Test
  void aGeneratedKeyIsPrintedAtTheFirstStartOnlyAndKeepsWorking(CapturedOutput output) {
    start(null);
    Matcher first = GENERATED.matcher(output.getAll());
    assertThat(first.find()).as("the first start prints the key").isTrue();
    String key = first.group(1);
    int printedBefore = output.getAll().length();

    ApiKeys restarted = start(null);

    assertThat(output.getAll().substring(printedBefore))
        .doesNotContain("Generated the admin API key");
    assertThat(restarted.authenticate(key)).hasValueSatisfying(c -> assertThat(c.admin()).isTrue());
  }

  @Test
  void theEnvironmentKeyIsTheAdminsOnlyKey(CapturedOutput output) {
    start(null);
    Matcher generated = GENERATED.matcher(output.getAll());
    assertThat(generated.find()).isTrue();

    ApiKeys keys = start("my-admin-key-from-the-environment");

    assertThat(keys.authenticate("my-admin-key-from-the-environment"))
        .hasValueSatisfying(c -> assertThat(c.subject()).isEqualTo("admin"));
    assertThat(keys.authenticate(generated.group(1))).isEmpty();
    assertThat(keys.authenticate("anything-else")).isEmpty();
  }
}
