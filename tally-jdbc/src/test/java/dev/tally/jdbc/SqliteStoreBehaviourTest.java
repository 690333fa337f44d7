package dev.tally.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreBehaviourTest extends StoreBehaviourTest {
  @TempDir Path dir;
  private int databases;

  @Override
  protected String freshUrl() {
    return "jdbc:sqlite:" + dir.resolve("usage-" + (++databases) + ".db");
  }
}
