package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.Money;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.TokenTotals;
import dev.tally.core.query.UsageMeasures;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.UsageRow;
import dev.tally.core.query.Window;
import dev.tally.core.sink.UsageRejectedException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Store behaviour every dialect must show; subclasses say how to reach a fresh database. */
abstract class StoreBehaviourTest {
  protected String url;
  protected JdbcUsageStore store;

  /** The URL of a new, empty database. */
  protected abstract String freshUrl() throws Exception;

  protected JdbcUsageStore open(Clock clock) {
    return JdbcUsageStore.builder().url(url).clock(clock).build();
  }

  @BeforeEach
  void openStore() throws Exception {
    url = freshUrl();
    store = open(TestEvents.CLOCK);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /**
   * Writes deferred rollups (SQLite) before a test looks at the rollup table itself; reports never
   * need this.
   */
  static void settle(JdbcUsageStore s) throws Exception {
    s.flush().get(60, TimeUnit.SECONDS);
  }

  private static void export(JdbcUsageStore s, List<UsageEvent> batch) throws Exception {
    CompletableFuture<Void> f = s.export(batch);
    f.get(60, TimeUnit.SECONDS);
  }

  @Test
  void replayingTheSameBatchesTwiceLeavesRowsAndRollupsUnchanged() throws Exception {
    List<UsageEvent> events = TestEvents.varied(1, 600, 30);
    List<List<UsageEvent>> batches = new ArrayList<>();
    for (int i = 0; i < events.size(); i += 97) {
      batches.add(events.subList(i, Math.min(events.size(), i + 97)));
    }
    for (List<UsageEvent> b : batches) {
      export(store, b);
    }
    settle(store);
    var rollups = TestEvents.dump(url, "tally_rollup_hour", "1, 2, 3, 4, 5, 6");
    var rows = TestEvents.dump(url, "tally_event", "id");
    var content = TestEvents.dump(url, "tally_event_content", "id");

    for (List<UsageEvent> b : batches) {
      export(store, b);
    }
    // A replay that mixes old and new events must count only the new ones.
    List<UsageEvent> mixed = new ArrayList<>(events.subList(0, 50));
    UsageEvent fresh =
        UsageEvent.builder("chat", TestEvents.CLOCK)
            .id("fresh-1")
            .occurredAt(TestEvents.T0)
            .subject("fresh-subject")
            .tokens(TokenUsage.reported(5, 7))
            .build();
    mixed.add(fresh);
    export(store, mixed);

    assertThat(TestEvents.dump(url, "tally_event", "id")).hasSize(rows.size() + 1);
    assertThat(TestEvents.dump(url, "tally_event_content", "id")).isEqualTo(content);
    UsageReport total =
        store.report(
            UsageQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofDays(2))).build());
    assertThat(total.rows().get(0).measures().requests()).isEqualTo(events.size() + 1);

    // The fresh event has a rollup key of its own; every other rollup row is as after pass one.
    settle(store);
    var after = TestEvents.dump(url, "tally_rollup_hour", "1, 2, 3, 4, 5, 6");
    assertThat(after).hasSize(rollups.size() + 1).containsAll(rollups);
  }

  @Test
  void exactReplayLeavesEverythingIdentical() throws Exception {
    List<UsageEvent> events = TestEvents.varied(2, 300, 10);
    export(store, events.subList(0, 150));
    export(store, events.subList(150, 300));
    settle(store);
    var rollups = TestEvents.dump(url, "tally_rollup_hour", "1, 2, 3, 4, 5, 6");
    var rows = TestEvents.dump(url, "tally_event", "id");

    export(store, events.subList(0, 150));
    export(store, events.subList(150, 300));
    export(store, events);

    settle(store);
    assertThat(TestEvents.dump(url, "tally_rollup_hour", "1, 2, 3, 4, 5, 6")).isEqualTo(rollups);
    assertThat(TestEvents.dump(url, "tally_event", "id")).isEqualTo(rows);
  }

  @Test
  void costIsSummedPerCurrencyAndUnpricedEventsAreCountedNotZeroed() throws Exception {
    Instant at = TestEvents.T0.plusSeconds(10);
    export(
        store,
        List.of(
            event("c1", at).cost(Cost.of(new BigDecimal("0.0125"), "USD", "v1")).build(),
            event("c2", at).cost(Cost.of(new BigDecimal("1.5"), "usd")).build(),
            event("c3", at).cost(Cost.of(new BigDecimal("2"), "EUR")).build(),
            event("c4", at).build(),
            // More than the cost column holds: stored unpriced, the usage is kept.
            event("c5", at).cost(Cost.of(new BigDecimal("1E+12"), "USD")).build()));

    UsageMeasures m = totals().rows().get(0).measures();

    assertThat(m.requests()).isEqualTo(5);
    assertThat(m.unpriced()).isEqualTo(2);
    assertThat(m.cost())
        .containsExactly(
            new Money(new BigDecimal("2"), "EUR"), new Money(new BigDecimal("1.5125"), "USD"));
    assertThat(
            store
                .events(EventQuery.builder(TestEvents.T0, TestEvents.T0.plusSeconds(60)).build())
                .events())
        .extracting(UsageEvent::cost)
        .containsExactlyInAnyOrder(
            Cost.of(new BigDecimal("0.0125"), "USD", "v1"),
            Cost.of(new BigDecimal("1.5"), "USD"),
            Cost.of(new BigDecimal("2"), "EUR"),
            Cost.unpriced(),
            Cost.unpriced());
  }

  @Test
  void anAttributeNamedTallyCostNeverPosesAsACost() throws Exception {
    Instant at = TestEvents.T0.plusSeconds(10);
    export(
        store,
        List.of(
            event("forged", at)
                .attribute("tally.cost", "5")
                .attribute("tally.currency", "USD")
                .attribute("tally.price_version", "forged")
                .build()));

    UsageMeasures m = totals().rows().get(0).measures();

    assertThat(m.unpriced()).isEqualTo(1);
    assertThat(m.cost()).isEmpty();
    UsageEvent back =
        store
            .events(EventQuery.builder(TestEvents.T0, TestEvents.T0.plusSeconds(60)).build())
            .events()
            .get(0);
    assertThat(back.cost()).isEqualTo(Cost.unpriced());
    assertThat(back.attributes()).containsEntry("tally.cost", "5");
  }

  @Test
  void missingTokenUsageIsCountedApart() throws Exception {
    Instant at = TestEvents.T0.plusSeconds(10);
    export(
        store,
        List.of(
            event("t1", at).tokens(TokenUsage.reported(100, 20)).build(),
            event("t2", at).tokens(TokenUsage.missing()).build()));

    UsageMeasures m = totals().rows().get(0).measures();

    assertThat(m.tokens()).isEqualTo(new TokenTotals(100, 0, 0, 20, 0));
    assertThat(m.tokensMissing()).isEqualTo(1);
  }

  @Test
  void eventOutsideTheStorableRangeIsRejectedNamingTheField() {
    UsageEvent ancient = event("old", Instant.parse("1500-01-01T00:00:00Z")).build();

    assertThat(store.export(List.of(ancient)))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(UsageRejectedException.class)
        .withMessageContaining("occurredAt")
        .withMessageContaining("1500-01-01");
  }

  @Test
  void eventPagesWalkEveryEventOnceInOrder() throws Exception {
    List<UsageEvent> events = TestEvents.varied(3, 250, 5);
    export(store, events);
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      EventPage page =
          store.events(
              EventQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofHours(5)))
                  .limit(40)
                  .cursor(cursor)
                  .build());
      page.events().forEach(e -> seen.add(e.id()));
      cursor = page.nextCursor();
      pages++;
      if (pages == 2) {
        // Events stored before the cursor's position never shift later pages.
        export(store, List.of(event("late", TestEvents.T0).build()));
      }
    } while (cursor != null);

    List<String> expected =
        events.stream()
            .sorted(
                java.util.Comparator.comparing(UsageEvent::occurredAt)
                    .thenComparing(UsageEvent::id))
            .map(UsageEvent::id)
            .toList();
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(pages).isEqualTo(7);
  }

  @Test
  void eventPagesFilterByField() throws Exception {
    List<UsageEvent> events = TestEvents.varied(4, 100, 5);
    export(store, events);

    EventPage page =
        store.events(
            EventQuery.builder(TestEvents.T0, TestEvents.T0.plus(Duration.ofHours(5)))
                .filter(GroupField.SUBJECT, "user-1")
                .filter(GroupField.MODEL, "")
                .limit(1000)
                .build());

    assertThat(page.events())
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.subject()).isEqualTo("user-1");
              assertThat(e.model()).isNull();
            });
    assertThat(page.events())
        .hasSize(
            (int)
                events.stream()
                    .filter(e -> e.subject().equals("user-1") && e.model() == null)
                    .count());
  }

  @Test
  void exclusionsLeaveOutAnOperationInReportsAndEventPages() throws Exception {
    Instant at = TestEvents.T0.plusSeconds(60);
    List<UsageEvent> events = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String operation = i < 3 ? "chat" : i < 5 ? "http" : "summary";
      events.add(
          UsageEvent.builder(operation, TestEvents.CLOCK)
              .id("x-" + i)
              .occurredAt(at.plusSeconds(i))
              .subject("u")
              .model(operation.equals("http") ? null : "m")
              .build());
    }
    export(store, events);
    Instant to = TestEvents.T0.plus(Duration.ofHours(1));

    UsageReport operations =
        store.report(
            UsageQuery.builder(TestEvents.T0, to)
                .groupBy(GroupField.OPERATION)
                .exclude(GroupField.OPERATION, "http")
                .build());
    UsageReport neither =
        store.report(
            UsageQuery.builder(TestEvents.T0, to)
                .exclude(GroupField.OPERATION, "http")
                .exclude(GroupField.OPERATION, "summary")
                .build());
    EventPage page =
        store.events(
            EventQuery.builder(TestEvents.T0, to)
                .exclude(GroupField.OPERATION, "http")
                .exclude(GroupField.MODEL, "")
                .build());

    assertThat(operations.rows())
        .extracting(r -> r.group().get(GroupField.OPERATION), r -> r.measures().requests())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("chat", 3L),
            org.assertj.core.groups.Tuple.tuple("summary", 1L));
    assertThat(neither.rows())
        .singleElement()
        .satisfies(r -> assertThat(r.measures().requests()).isEqualTo(3));
    assertThat(page.events())
        .extracting(UsageEvent::operation)
        .containsExactly("chat", "chat", "chat", "summary");
  }

  @Test
  void reportsFromOneSnapshotEqualTheReportsOneByOneAndLeaveTheConnectionUsable() throws Exception {
    export(store, TestEvents.varied(11, 200, 6));
    Instant to = TestEvents.T0.plus(Duration.ofHours(6));
    UsageQuery series =
        UsageQuery.builder(TestEvents.T0, to).window(Window.HOUR).groupBy(GroupField.MODEL).build();
    List<UsageQuery> queries =
        List.of(
            series,
            series.totals(),
            UsageQuery.builder(TestEvents.T0, to.minusSeconds(90)).build());

    List<UsageReport> together = store.reports(queries);
    // Twice: a read transaction left open on a kept connection would make the second one fail.
    List<UsageReport> again = store.reports(queries);

    assertThat(together).isEqualTo(queries.stream().map(store::report).toList());
    assertThat(again).isEqualTo(together);
    export(store, TestEvents.varied(12, 10, 1));
    assertThat(
            store
                .reports(List.of(series.totals(), series.totals()))
                .get(0)
                .rows()
                .get(0)
                .measures()
                .requests())
        .isEqualTo(together.get(1).rows().get(0).measures().requests() + 10);
  }

  @Test
  void retentionDeletesOldRawRowsAndContentButKeepsRollups() throws Exception {
    Instant now = Instant.parse("2026-03-31T00:00:00Z");
    List<UsageEvent> events = new ArrayList<>();
    for (int day = 0; day < 30; day++) {
      for (int i = 0; i < 100; i++) {
        events.add(
            event("r-" + day + "-" + i, now.minus(Duration.ofDays(day)).minusSeconds(3600 + i))
                .content(ContentSummary.of("in", "out"))
                .build());
      }
    }
    export(store, events);
    settle(store);
    var rollups = TestEvents.dump(url, "tally_rollup_hour", "1, 2, 3, 4, 5, 6");
    store.close();
    store = open(Clock.fixed(now, ZoneOffset.UTC));

    RetentionResult result = store.applyRetention(RetentionPolicy.ofDays(20, 7));

    // Raw: days 20..29 are older than 20 days (each event is at least an hour before midnight).
    assertThat(result.rawEvents()).isEqualTo(1000);
    // Content: days 7..29 go, 2300 rows.
    assertThat(result.capturedContent()).isEqualTo(2300);
    assertThat(TestEvents.count(url, "tally_event")).isEqualTo(2000);
    assertThat(TestEvents.count(url, "tally_event_content")).isEqualTo(700);
    settle(store);
    assertThat(TestEvents.dump(url, "tally_rollup_hour", "1, 2, 3, 4, 5, 6")).isEqualTo(rollups);
    assertThat(store.applyRetention(RetentionPolicy.ofDays(20, 7)))
        .isEqualTo(new RetentionResult(0, 0));
  }

  @Test
  void dayBucketsFollowTheZoneAcrossDaylightSaving() throws Exception {
    // New York switched to summer time on 2026-03-08: that day has 23 hours.
    Instant from = Instant.parse("2026-03-07T05:00:00Z");
    Instant to = Instant.parse("2026-03-10T04:00:00Z");
    List<UsageEvent> events = new ArrayList<>();
    for (Instant t = from; t.isBefore(to); t = t.plus(Duration.ofMinutes(30))) {
      events.add(event("dst-" + t, t).build());
    }
    export(store, events);

    UsageReport report =
        store.report(
            UsageQuery.builder(from, to)
                .window(Window.DAY)
                .zone(java.time.ZoneId.of("America/New_York"))
                .build());

    assertThat(report.source()).isEqualTo(QuerySource.ROLLUPS);
    assertThat(report.rows())
        .extracting(r -> r.measures().requests())
        .containsExactly(48L, 46L, 48L);
    assertThat(report.rows().get(1).start()).isEqualTo(Instant.parse("2026-03-08T05:00:00Z"));
    assertThat(report.rows().get(1).end()).isEqualTo(Instant.parse("2026-03-09T04:00:00Z"));
  }

  @Test
  void halfHourZonesReadWholeHoursFromRollupsAndOnlyTheHoursAnEdgeCutsFromRawEvents()
      throws Exception {
    Instant from = Instant.parse("2026-03-01T00:00:00Z");
    Instant to = from.plus(Duration.ofDays(2));
    List<UsageEvent> events = new ArrayList<>();
    for (int i = 0; i < 48 * 12; i++) {
      events.add(
          event("k-" + i, from.plus(Duration.ofMinutes(5L * i)))
              .model(i % 3 == 0 ? null : "m" + (i % 2))
              .duration(Duration.ofMillis(1 + (i * 37L) % 5000))
              .tokens(TokenUsage.builder(UsageSource.REPORTED).input(i).output(2L * i).build())
              .cost(Cost.of(new BigDecimal("0.00" + (i % 10)), "USD"))
              .build());
    }
    export(store, events);
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    ZoneId kathmandu = ZoneId.of("Asia/Kathmandu");
    UsageQuery kolkataDays =
        UsageQuery.builder(from, to)
            .window(Window.DAY)
            .zone(kolkata)
            .groupBy(GroupField.MODEL)
            .build();
    UsageQuery kathmanduDays =
        UsageQuery.builder(from, to).window(Window.DAY).zone(kathmandu).build();
    // The dashboard's range: whole hours back from "now", which is off the hour.
    Instant now = to.minus(Duration.ofMinutes(17));
    UsageQuery untilNow = UsageQuery.builder(from.plus(Duration.ofMinutes(43)), now).build();
    // A bound off the hour in the hour before a Kolkata midnight (18:30 UTC): two adjacent cut
    // hours, read as one raw span.
    UsageQuery adjacentCuts =
        UsageQuery.builder(Instant.parse("2026-03-01T17:10:00Z"), to)
            .window(Window.DAY)
            .zone(kolkata)
            .build();

    // The truth, from raw events only.
    for (UsageQuery q : List.of(kolkataDays, kathmanduDays, untilNow, adjacentCuts)) {
      UsageQuery raw =
          new UsageQuery(
              q.from(),
              q.to(),
              q.window(),
              q.zone(),
              q.groupBy(),
              q.filters(),
              q.exclusions(),
              QuerySource.RAW);
      long scansBefore = store.rawScans();
      UsageReport auto = store.report(q);
      assertThat(auto.source()).isEqualTo(QuerySource.ROLLUPS);
      assertThat(store.rawScans() - scansBefore).isEqualTo(auto.rawSpans().size());
      assertThat(auto.rows()).isEqualTo(store.report(raw).rows());
    }
    // Kolkata days start at 18:30 UTC: 222 five-minute events before, 288 in the full day, 66
    // after; only the two hours around 18:30 UTC are read from raw events.
    UsageReport byDay = store.report(kolkataDays);
    assertThat(
            byDay.rows().stream()
                .collect(
                    java.util.stream.Collectors.groupingBy(
                        UsageRow::start,
                        java.util.TreeMap::new,
                        java.util.stream.Collectors.summingLong(r -> r.measures().requests())))
                .values())
        .containsExactly(222L, 288L, 66L);
    assertThat(byDay.rawSpans())
        .containsExactly(
            new UsageReport.Span(
                Instant.parse("2026-03-01T18:00:00Z"), Instant.parse("2026-03-01T19:00:00Z")),
            new UsageReport.Span(
                Instant.parse("2026-03-02T18:00:00Z"), Instant.parse("2026-03-02T19:00:00Z")));
    assertThat(store.report(untilNow).rawSpans())
        .containsExactly(
            new UsageReport.Span(from.plus(Duration.ofMinutes(43)), from.plus(Duration.ofHours(1))),
            new UsageReport.Span(to.minus(Duration.ofHours(1)), now));
    assertThat(store.report(adjacentCuts).rawSpans())
        .containsExactly(
            new UsageReport.Span(
                Instant.parse("2026-03-01T17:10:00Z"), Instant.parse("2026-03-01T19:00:00Z")),
            new UsageReport.Span(
                Instant.parse("2026-03-02T18:00:00Z"), Instant.parse("2026-03-02T19:00:00Z")));

    // Proof that whole hours come from rollups: without their raw rows the answer is unchanged.
    settle(store);
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM tally_event WHERE occurred_at_ns >= ? AND occurred_at_ns < ?")) {
      ps.setLong(1, nanos(Instant.parse("2026-03-01T06:00:00Z")));
      ps.setLong(2, nanos(Instant.parse("2026-03-01T12:00:00Z")));
      assertThat(ps.executeUpdate()).isEqualTo(72);
    }
    assertThat(store.report(kolkataDays).rows()).isEqualTo(byDay.rows());
    assertThat(
            store
                .report(
                    UsageQuery.builder(from, to)
                        .window(Window.DAY)
                        .zone(kolkata)
                        .source(QuerySource.RAW)
                        .build())
                .rows())
        .extracting(r -> r.measures().requests())
        .containsExactly(222L - 72, 288L, 66L);

    UsageReport minutes =
        store.report(
            UsageQuery.builder(to.minus(Duration.ofMinutes(20)), to).window(Window.MINUTE).build());
    assertThat(minutes.source()).isEqualTo(QuerySource.RAW);
    assertThat(minutes.rawSpans())
        .containsExactly(new UsageReport.Span(to.minus(Duration.ofMinutes(20)), to));
    assertThat(minutes.rows()).hasSize(4);
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private UsageReport totals() {
    return store.report(
        UsageQuery.builder(
                TestEvents.T0.truncatedTo(ChronoUnit.DAYS), TestEvents.T0.plus(Duration.ofDays(1)))
            .build());
  }

  private static UsageEvent.Builder event(String id, Instant at) {
    return UsageEvent.builder("chat", TestEvents.CLOCK).id(id).occurredAt(at).subject("u");
  }
}
