package dev.tally.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

@DisabledOnOs(
    value = OS.WINDOWS,
    disabledReason = "Windows has no unix-excl VFS; URLs stay as given")
class SqliteUrlsTest {

  @Test
  void aPlainPathBecomesAUriFilenameWithTheExclusiveVfs() {
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:data/tally.db"))
        .isEqualTo("jdbc:sqlite:file:data/tally.db?vfs=unix-excl");
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:/var/lib/tally/tally.db"))
        .isEqualTo("jdbc:sqlite:file:/var/lib/tally/tally.db?vfs=unix-excl");
  }

  @Test
  void parametersAreKeptAndCharactersThatWouldEndThePathAreEscaped() {
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:/tmp/a#b%c.db?busy_timeout=5"))
        .isEqualTo("jdbc:sqlite:file:/tmp/a%23b%25c.db?vfs=unix-excl&busy_timeout=5");
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:file:/tmp/x.db?cache=private"))
        .isEqualTo("jdbc:sqlite:file:/tmp/x.db?vfs=unix-excl&cache=private");
  }

  @Test
  void inMemoryDatabasesAndAChosenVfsAreLeftAlone() {
    assertThat(SqliteUrls.exclusive("jdbc:sqlite::memory:")).isEqualTo("jdbc:sqlite::memory:");
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:")).isEqualTo("jdbc:sqlite:");
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:file:x.db?vfs=unix-none"))
        .isEqualTo("jdbc:sqlite:file:x.db?vfs=unix-none");
    assertThat(SqliteUrls.exclusive("jdbc:sqlite:file:mem?mode=memory&cache=shared"))
        .isEqualTo("jdbc:sqlite:file:mem?mode=memory&cache=shared");
  }
}
