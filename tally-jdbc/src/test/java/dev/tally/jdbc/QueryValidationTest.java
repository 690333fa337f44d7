package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.Window;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad query parameters are refused with a message naming the parameter and its value. */
class QueryValidationTest {
  private static final Instant FROM = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;
  private JdbcUsageStore store;

  @BeforeEach
  void open() {
    store = JdbcUsageStore.sqlite(dir.resolve("q.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void unknownGroupByFieldIsNamed() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> GroupField.parse("groupBy", "user_id; DROP TABLE tally_event"))
        .withMessageContaining("groupBy")
        .withMessageContaining("'user_id; DROP TABLE tally_event'")
        .withMessageContaining("subject, operation, model, outcome");
    assertThat(GroupField.parse("groupBy", " Model ")).isEqualTo(GroupField.MODEL);
  }

  @Test
  void fromAfterToIsRefused() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> UsageQuery.builder(FROM.plusSeconds(1), FROM).build())
        .withMessage(
            "from must be before to, was from=2026-03-01T00:00:01Z and to=2026-03-01T00:00:00Z");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> EventQuery.builder(FROM, FROM).build())
        .withMessageContaining("from must be before to");
  }

  @Test
  void windowTooFineForTheRangeIsRefused() {
    UsageQuery q =
        UsageQuery.builder(FROM, FROM.plus(Duration.ofDays(30))).window(Window.MINUTE).build();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> store.report(q))
        .withMessageContaining("window MINUTE is too fine")
        .withMessageContaining("from=2026-03-01T00:00:00Z")
        .withMessageContaining("to=2026-03-31T00:00:00Z")
        .withMessageContaining(String.valueOf(UsageQuery.MAX_BUCKETS));
  }

  @Test
  void rollupsCannotAnswerMinutesOrUnalignedBounds() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                store.report(
                    UsageQuery.builder(FROM, FROM.plusSeconds(3600))
                        .window(Window.MINUTE)
                        .source(QuerySource.ROLLUPS)
                        .build()))
        .withMessageContaining("source ROLLUPS cannot answer window MINUTE");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                store.report(
                    UsageQuery.builder(FROM.plusSeconds(90), FROM.plusSeconds(7200))
                        .source(QuerySource.ROLLUPS)
                        .build()))
        .withMessageContaining("source ROLLUPS needs")
        .withMessageContaining("2026-03-01T00:01:30Z");
  }

  @Test
  void filterValuesAreValidatedAndNeverReachSqlText() throws Exception {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                UsageQuery.builder(FROM, FROM.plusSeconds(60))
                    .filter(GroupField.OUTCOME, "FAILED")
                    .build())
        .withMessage("filter outcome must be SUCCESS, ERROR or CANCELLED, was 'FAILED'");
    // A hostile value is only ever a bound parameter: it matches nothing and breaks nothing.
    UsageReport report =
        store.report(
            UsageQuery.builder(FROM, FROM.plusSeconds(3600))
                .filter(GroupField.SUBJECT, "x' OR '1'='1")
                .build());
    assertThat(report.rows()).isEmpty();
  }

  @Test
  void repeatedGroupByFieldIsRefused() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                UsageQuery.builder(FROM, FROM.plusSeconds(60))
                    .groupBy(GroupField.MODEL, GroupField.MODEL)
                    .build())
        .withMessage("groupBy must not repeat a field, was [MODEL, MODEL]");
  }

  @Test
  void badCursorAndLimitAreNamed() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                store.events(
                    EventQuery.builder(FROM, FROM.plusSeconds(60)).cursor("bm9wZQ").build()))
        .withMessage("cursor must be a nextCursor this store returned, was 'bm9wZQ'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> EventQuery.builder(FROM, FROM.plusSeconds(60)).limit(0).build())
        .withMessage("limit must be between 1 and 1000, was 0");
  }

  @Test
  void builderNamesBadSettings() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JdbcUsageStore.builder().url("jdbc:mysql://db/usage").build())
        .withMessage(
            "url must start with jdbc:sqlite: or jdbc:postgresql:, was 'jdbc:mysql://db/usage'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JdbcUsageStore.builder().build())
        .withMessageContaining("exactly one of url and dataSource must be set");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                JdbcUsageStore.builder()
                    .url("jdbc:sqlite:" + dir.resolve("x.db"))
                    .busyTimeout(Duration.ofSeconds(-1))
                    .build())
        .withMessage("busyTimeout must be >= 0 and at most 2147483647 ms, was PT-1S");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetentionPolicy.ofDays(0, 7))
        .withMessage("rawEvents must be > 0, was PT0S");
  }
}
