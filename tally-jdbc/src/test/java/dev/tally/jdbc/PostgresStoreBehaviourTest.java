package dev.tally.jdbc;

class PostgresStoreBehaviourTest extends StoreBehaviourTest {
  @Override
  protected String freshUrl() {
    return EmbeddedPg.newDatabaseUrl();
  }
}
