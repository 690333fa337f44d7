package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.server.auth.WeakKeyException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The server refuses to start with a weak admin or metrics key, with Spring Boot's short failure
 * report (description and action) instead of a stack trace: the whole application, as {@code java
 * -jar} starts it, with SQLite files in a temporary directory.
 */
@ExtendWith(OutputCaptureExtension.class)
class WeakKeyStartTest {
  @TempDir Path data;

  /** Starts the server with command-line arguments, which outrank application.properties. */
  void start(String... arguments) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=0",
                "--spring.datasource.url=jdbc:sqlite:" + data.resolve("server.db"),
                "--tally.store.url=jdbc:sqlite:" + data.resolve("tally.db"),
                "--tally.pipeline.spool-directory=" + data.resolve("spool"),
                "--tally.server.admin-key-file=" + data.resolve("admin-key")));
    args.addAll(List.of(arguments));
    try (ConfigurableApplicationContext started =
        new SpringApplicationBuilder(TallyServerApplication.class)
            .run(args.toArray(String[]::new))) {
      throw new AssertionError("the server started: " + started);
    }
  }

  @Test
  void aWeakAdminKeyStopsTheStartWithOneClearLine(CapturedOutput output) {
    assertThatThrownBy(() -> start("--tally.server.admin-key=a"))
        .hasRootCauseInstanceOf(WeakKeyException.class);

    assertThat(output.getAll())
        .contains("APPLICATION FAILED TO START")
        .contains(
            "tally.server.admin-key (TALLY_ADMIN_KEY) is too weak: it has about 4 bits of entropy"
                + " (1 character from an alphabet of 16), at least 128 are needed")
        .contains("export TALLY_ADMIN_KEY=$(openssl rand -hex 32)")
        .doesNotContain("\tat ")
        .doesNotContain("Tomcat started");
    // The console log is JSON; the reason is also one plain line on stderr.
    assertThat(output.getErr().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "Tally server failed to start: tally.server.admin-key (TALLY_ADMIN_KEY) is"
                            + " too weak"));
  }

  @Test
  void aWeakMetricsKeyStopsTheStartToo(CapturedOutput output) {
    assertThatThrownBy(
            () ->
                start(
                    "--tally.server.admin-key=" + Api.ADMIN_KEY,
                    "--tally.server.metrics-key=" + "a".repeat(40)))
        .hasRootCauseInstanceOf(WeakKeyException.class);

    assertThat(output.getAll())
        .contains("APPLICATION FAILED TO START")
        .contains(
            "tally.server.metrics-key (TALLY_METRICS_KEY) is too weak: it uses only 1 distinct"
                + " character")
        .doesNotContain("\tat ");
  }
}
