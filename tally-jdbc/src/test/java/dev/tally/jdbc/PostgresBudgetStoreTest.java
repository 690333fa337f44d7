package dev.tally.jdbc;

class PostgresBudgetStoreTest extends JdbcBudgetStoreTest {
  @Override
  JdbcUsageStore openStore() {
    return JdbcUsageStore.builder().url(EmbeddedPg.newDatabaseUrl()).build();
  }
}
