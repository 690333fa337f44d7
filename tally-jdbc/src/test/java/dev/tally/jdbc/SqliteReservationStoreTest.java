package dev.tally.jdbc;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteReservationStoreTest extends ReservationStoreTest {
  @TempDir Path dir;

  @Override
  JdbcUsageStore openStore() {
    return JdbcUsageStore.sqlite(dir.resolve("tally.db"));
  }
}
