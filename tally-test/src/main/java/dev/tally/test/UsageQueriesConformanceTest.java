package dev.tally.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.query.DurationStats;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.Money;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageMeasures;
import dev.tally.core.query.UsageQueries;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.UsageRow;
import dev.tally.core.query.Window;
import dev.tally.core.sink.UsageSink;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link UsageQueries} implementation keeps, as tests: the same events give the
 * same reports, groupings, windows, event pages and refusals, whatever stores them. Subclass it in
 * your store's test sources and say how to make an empty store that is both a {@link UsageSink} and
 * {@link UsageQueries}:
 *
 * <pre>{@code
 * class MyStoreQueriesConformanceTest extends UsageQueriesConformanceTest {
 *   protected UsageSink createStore() { return new MyStore(freshDatabase()); }
 * }
 * }</pre>
 *
 * <p>Once per class, a fixed, seeded data set of {@value #EVENTS} events over four days (three
 * subjects, three operations including the HTTP middleware's {@code http}, two models and none,
 * every outcome including {@code CANCELLED}, reported, estimated and missing tokens, costs in two
 * currencies and unpriced events, durations from 1 ms to 10 minutes, timestamps off the hour and
 * some shared) is exported to the store under test and to an {@link InMemoryUsageSink}, the
 * reference. Each check asks both the same queries and compares the answers; a few checks also
 * compare against values counted straight from the data set, so the reference is checked too.
 *
 * <p>What must agree exactly: the rows (bucket bounds, group values, order), request, error, token,
 * missing-token and unpriced counts, costs per currency (compared as numbers, largest first),
 * average and maximum duration; event pages, event by event and field by field, in both orders and
 * across cursors; and which queries are refused. What may differ: {@link UsageReport#source()} and
 * raw spans (the reference answers everything from events), and the percentiles p50, p95 and p99,
 * which may be estimates within {@value #PERCENTILE_ERROR} of the exact nearest-rank value (the
 * JDBC store's histogram is within about 9.05% between 1 ms and 17 minutes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class UsageQueriesConformanceTest {
  /** Events in the data set. */
  protected static final int EVENTS = 2_000;

  /** The largest relative error allowed in a percentile. */
  protected static final double PERCENTILE_ERROR = 0.091;

  /** The start of the data set: Saturday 28 March 2026, the day before Europe's clocks go on. */
  protected static final Instant T0 = Instant.parse("2026-03-28T00:00:00Z");

  /** The end of the data set (exclusive): four days later. */
  protected static final Instant T_END = T0.plus(Duration.ofDays(4));

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");
  private static final List<String> SUBJECTS = List.of("alice", "bob", "carol");
  private static final List<String> OPERATIONS = List.of("chat", "summarize", "http");

  private @Nullable UsageSink store;
  private final InMemoryUsageSink reference = new InMemoryUsageSink();
  private final List<UsageEvent> dataSet = dataSet();

  /**
   * A new, empty store that implements both {@link UsageSink} and {@link UsageQueries}; called once
   * per class.
   */
  protected abstract UsageSink createStore() throws Exception;

  /** Optional hook after the class's checks, e.g. to delete files; default does nothing. */
  protected void cleanUp(UsageSink store) throws Exception {}

  /** Exports the data set to the store under test and to the reference. */
  @BeforeAll
  public final void loadDataSet() throws Exception {
    UsageSink created = createStore();
    assertThat(created).as("createStore()").isInstanceOf(UsageQueries.class);
    store = created;
    for (int i = 0; i < dataSet.size(); i += 500) {
      List<UsageEvent> batch = dataSet.subList(i, Math.min(dataSet.size(), i + 500));
      assertThat(created.export(batch))
          .as("export of the data set")
          .succeedsWithin(Duration.ofSeconds(60));
      reference.export(batch).join();
    }
  }

  /** Shuts the store down and calls {@link #cleanUp}. */
  @AfterAll
  public final void shutDownStore() throws Exception {
    UsageSink current = store;
    if (current != null) {
      store = null;
      try {
        current.shutdown().get(60, TimeUnit.SECONDS);
      } finally {
        cleanUp(current);
      }
    }
  }

  // ------------------------------------------------------------------------ known answers

  /** Totals over everything match counts taken straight from the data set. */
  @Test
  public void totalsMatchTheDataSet() {
    UsageMeasures m = single(queries().report(UsageQuery.builder(T0, T_END).build()));

    assertThat(m.requests()).isEqualTo(dataSet.size());
    assertThat(m.errors()).isEqualTo(count(e -> e.outcome() == Outcome.ERROR));
    assertThat(m.tokensMissing()).isEqualTo(count(e -> !e.tokens().isKnown()));
    assertThat(m.unpriced()).isEqualTo(count(e -> !e.cost().isPriced()));
    assertThat(m.tokens().total())
        .isEqualTo(dataSet.stream().mapToLong(e -> e.tokens().total()).sum());
    assertThat(m.tokens().cachedInput())
        .isEqualTo(dataSet.stream().mapToLong(e -> e.tokens().cachedInput()).sum());
    assertThat(m.cost()).hasSize(2);
    for (Money money : m.cost()) {
      BigDecimal expected =
          dataSet.stream()
              .filter(e -> money.currency().equals(e.cost().currency()))
              .map(e -> e.cost().amount())
              .reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(money.amount()).as("cost in %s", money.currency()).isEqualByComparingTo(expected);
    }
    assertThat(m.cost().get(0).amount()).isGreaterThanOrEqualTo(m.cost().get(1).amount());
    assertThat(m.duration().max())
        .isEqualTo(dataSet.stream().map(UsageEvent::duration).max(Duration::compareTo).get());
  }

  /** A CANCELLED stream is counted as a request, never as an error, and groups by its outcome. */
  @Test
  public void cancelledIsItsOwnOutcomeAndNotAnError() {
    UsageReport byOutcome =
        queries().report(UsageQuery.builder(T0, T_END).groupBy(GroupField.OUTCOME).build());

    assertThat(byOutcome.rows())
        .extracting(r -> r.group().get(GroupField.OUTCOME))
        .containsExactly("CANCELLED", "ERROR", "SUCCESS");
    UsageMeasures cancelled = byOutcome.rows().get(0).measures();
    assertThat(cancelled.requests()).isEqualTo(count(e -> e.outcome() == Outcome.CANCELLED));
    assertThat(cancelled.errors()).isZero();
    UsageMeasures onlyCancelled =
        single(
            queries()
                .report(
                    UsageQuery.builder(T0, T_END).filter(GroupField.OUTCOME, "CANCELLED").build()));
    assertThat(onlyCancelled.requests()).isEqualTo(cancelled.requests());
    assertThat(onlyCancelled.tokens().total()).isPositive();
  }

  /** Leaving out the HTTP events counts exactly the others, in reports and event pages. */
  @Test
  public void exclusionsLeaveOutExactlyTheExcludedEvents() {
    UsageMeasures m =
        single(
            queries()
                .report(
                    UsageQuery.builder(T0, T_END)
                        .exclude(GroupField.OPERATION, "http")
                        .exclude(GroupField.MODEL, "")
                        .build()));

    assertThat(m.requests())
        .isEqualTo(count(e -> !e.operation().equals("http") && e.model() != null));
    List<UsageEvent> listed =
        allEvents(
            queries(),
            EventQuery.builder(T0, T_END)
                .exclude(GroupField.OPERATION, "http")
                .exclude(GroupField.MODEL, "")
                .limit(EventQuery.MAX_LIMIT));
    assertThat(listed).hasSize((int) m.requests());
  }

  /** A day in Berlin on 29 March 2026 lasts 23 hours; a day in Kolkata starts on the half hour. */
  @Test
  public void dayBucketsFollowTheZonesCalendar() {
    UsageReport berlin =
        queries()
            .report(
                UsageQuery.builder(
                        Instant.parse("2026-03-28T23:00:00Z"),
                        Instant.parse("2026-03-30T22:00:00Z"))
                    .window(Window.DAY)
                    .zone(BERLIN)
                    .build());
    UsageReport kolkata =
        queries()
            .report(
                UsageQuery.builder(T0, T0.plus(Duration.ofDays(2)))
                    .window(Window.DAY)
                    .zone(KOLKATA)
                    .build());

    assertThat(berlin.rows())
        .extracting(UsageRow::start, UsageRow::end)
        .containsExactly(
            tuple(Instant.parse("2026-03-28T23:00:00Z"), Instant.parse("2026-03-29T22:00:00Z")),
            tuple(Instant.parse("2026-03-29T22:00:00Z"), Instant.parse("2026-03-30T22:00:00Z")));
    assertThat(kolkata.rows())
        .extracting(UsageRow::start)
        .containsExactly(
            T0, Instant.parse("2026-03-28T18:30:00Z"), Instant.parse("2026-03-29T18:30:00Z"));
  }

  // ------------------------------------------------------------------------ agreement

  /** Totals and every grouping agree with the reference. */
  @Test
  public void groupingsAgree() {
    List<List<GroupField>> groupings =
        List.of(
            List.of(),
            List.of(GroupField.SUBJECT),
            List.of(GroupField.OPERATION, GroupField.MODEL),
            List.of(GroupField.OUTCOME),
            List.of(GroupField.MODEL, GroupField.SUBJECT, GroupField.OUTCOME));
    for (List<GroupField> groupBy : groupings) {
      assertAgree(UsageQuery.builder(T0, T_END).groupBy(groupBy).build());
      assertAgree(
          UsageQuery.builder(T0, T_END).groupBy(groupBy).source(QuerySource.ROLLUPS).build());
      assertAgree(UsageQuery.builder(T0, T_END).groupBy(groupBy).source(QuerySource.RAW).build());
    }
  }

  /** Every window, on and off the hour, in UTC and in zones with daylight saving or half hours. */
  @Test
  public void windowsAgree() {
    Instant offFrom = T0.plus(Duration.ofMinutes(17)).plusSeconds(13).plusNanos(5);
    Instant offTo = T_END.minus(Duration.ofMinutes(41)).minusNanos(1);
    List<UsageQuery> queries = new ArrayList<>();
    for (QuerySource source : List.of(QuerySource.AUTO, QuerySource.RAW)) {
      queries.add(q(T0, T_END, Window.HOUR, ZoneOffset.UTC, source, GroupField.SUBJECT));
      queries.add(q(offFrom, offTo, Window.HOUR, ZoneOffset.UTC, source, GroupField.MODEL));
      queries.add(q(T0, T_END, Window.DAY, ZoneOffset.UTC, source, GroupField.OPERATION));
      queries.add(q(offFrom, offTo, Window.DAY, BERLIN, source, GroupField.OUTCOME));
      queries.add(q(T0, T_END, Window.DAY, KOLKATA, source));
      queries.add(q(offFrom, offTo, Window.DAY, KOLKATA, source, GroupField.SUBJECT));
      queries.add(q(T0.minus(Duration.ofDays(40)), T_END, Window.MONTH, BERLIN, source));
      queries.add(
          q(
              T0.plus(Duration.ofHours(30)),
              T0.plus(Duration.ofHours(33)).plusSeconds(7),
              Window.MINUTE,
              ZoneOffset.UTC,
              source,
              GroupField.SUBJECT));
      queries.add(q(offFrom, offTo, null, ZoneOffset.UTC, source, GroupField.MODEL));
    }
    queries.add(q(T0, T_END, Window.HOUR, ZoneOffset.UTC, QuerySource.ROLLUPS));
    queries.add(q(T0, T_END, Window.DAY, BERLIN, QuerySource.ROLLUPS, GroupField.MODEL));
    for (UsageQuery query : queries) {
      assertAgree(query);
    }
  }

  /** Filters and exclusions, alone and together, agree with the reference. */
  @Test
  public void filtersAndExclusionsAgree() {
    List<UnaryOperator<UsageQuery.Builder>> variants =
        List.of(
            b -> b.filter(GroupField.SUBJECT, "alice"),
            b -> b.filter(GroupField.MODEL, ""),
            b -> b.filter(GroupField.OUTCOME, "ERROR").groupBy(GroupField.MODEL),
            b -> b.filter(GroupField.SUBJECT, "nobody"),
            b -> b.exclude(GroupField.OPERATION, "http").groupBy(GroupField.OPERATION),
            b ->
                b.exclude(GroupField.MODEL, "m-a")
                    .exclude(GroupField.MODEL, "")
                    .filter(GroupField.SUBJECT, "bob")
                    .groupBy(GroupField.OUTCOME),
            b -> b.exclude(GroupField.OUTCOME, "SUCCESS").window(Window.DAY).zone(BERLIN));
    for (UnaryOperator<UsageQuery.Builder> variant : variants) {
      assertAgree(variant.apply(UsageQuery.builder(T0, T_END)).build());
      assertAgree(
          variant
              .apply(UsageQuery.builder(T0.plusSeconds(1), T_END.minusSeconds(1)))
              .source(QuerySource.AUTO)
              .build());
    }
  }

  /** Several reports read together agree with the same reports read one by one. */
  @Test
  public void reportsReadTogetherAgreeWithReportsReadAlone() {
    List<UsageQuery> queries =
        List.of(
            UsageQuery.builder(T0, T_END).build(),
            q(T0, T_END, Window.DAY, BERLIN, QuerySource.AUTO, GroupField.SUBJECT));

    List<UsageReport> together = queries().reports(queries);

    assertThat(together).hasSize(2);
    for (int i = 0; i < queries.size(); i++) {
      assertSameRows(queries.get(i), together.get(i), reference.report(queries.get(i)));
    }
  }

  /** Event pages agree event by event, field by field, in both orders, across every cursor. */
  @Test
  public void eventPagesAgree() {
    List<UnaryOperator<EventQuery.Builder>> variants =
        List.of(
            b -> b.limit(97),
            b -> b.limit(61).newestFirst(true),
            b -> b.limit(13).filter(GroupField.SUBJECT, "carol").filter(GroupField.MODEL, ""),
            b ->
                b.limit(50)
                    .exclude(GroupField.OPERATION, "http")
                    .filter(GroupField.OUTCOME, "CANCELLED")
                    .newestFirst(true));
    for (UnaryOperator<EventQuery.Builder> variant : variants) {
      EventQuery.Builder shape =
          variant.apply(EventQuery.builder(T0.plusSeconds(1), T_END.minusSeconds(3)));
      List<UsageEvent> mine = allEvents(queries(), shape);
      List<UsageEvent> theirs =
          allEvents(
              reference,
              variant.apply(EventQuery.builder(T0.plusSeconds(1), T_END.minusSeconds(3))));
      assertThat(mine).extracting(UsageEvent::id).containsExactlyElementsOf(ids(theirs));
      assertThat(mine).containsExactlyElementsOf(theirs);
    }
  }

  /** Both refuse the same queries, with an IllegalArgumentException. */
  @Test
  public void refusalsAgree() {
    Instant offHour = T0.plus(Duration.ofMinutes(30));
    List<UsageQuery> refused =
        List.of(
            UsageQuery.builder(offHour, T_END).source(QuerySource.ROLLUPS).build(),
            UsageQuery.builder(T0, T_END).window(Window.MINUTE).source(QuerySource.ROLLUPS).build(),
            UsageQuery.builder(T0, T_END)
                .window(Window.DAY)
                .zone(KOLKATA)
                .source(QuerySource.ROLLUPS)
                .build(),
            UsageQuery.builder(T0, T0.plus(Duration.ofDays(30))).window(Window.MINUTE).build());
    for (UsageQuery query : refused) {
      assertThatThrownBy(() -> reference.report(query))
          .as("reference refuses %s", query)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> queries().report(query))
          .as("store refuses %s", query)
          .isInstanceOf(IllegalArgumentException.class);
    }
    EventQuery badCursor = EventQuery.builder(T0, T_END).cursor("not-a-cursor").build();
    assertThat(catchThrowable(() -> queries().events(badCursor)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cursor");
    assertThat(catchThrowable(() -> reference.events(badCursor)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cursor");
  }

  // ------------------------------------------------------------------------ helpers

  private UsageQueries queries() {
    UsageSink current = store;
    if (current == null) {
      throw new IllegalStateException("no store: createStore() has not run");
    }
    return (UsageQueries) current;
  }

  private long count(java.util.function.Predicate<UsageEvent> p) {
    return dataSet.stream().filter(p).count();
  }

  private static UsageMeasures single(UsageReport report) {
    assertThat(report.rows()).as("rows of %s", report.query()).hasSize(1);
    return report.rows().get(0).measures();
  }

  private static UsageQuery q(
      Instant from,
      Instant to,
      @Nullable Window window,
      ZoneId zone,
      QuerySource source,
      GroupField... groupBy) {
    return UsageQuery.builder(from, to)
        .window(window)
        .zone(zone)
        .source(source)
        .groupBy(groupBy)
        .build();
  }

  private void assertAgree(UsageQuery query) {
    assertSameRows(query, queries().report(query), reference.report(query));
  }

  private static void assertSameRows(UsageQuery query, UsageReport mine, UsageReport theirs) {
    assertThat(mine.query()).as("query answered").isEqualTo(query);
    List<UsageRow> a = mine.rows();
    List<UsageRow> b = theirs.rows();
    assertThat(a)
        .as("bucket bounds and groups of %s", query)
        .extracting(UsageRow::start, UsageRow::end, UsageRow::group)
        .containsExactlyElementsOf(
            b.stream().map(r -> tuple(r.start(), r.end(), r.group())).toList());
    // Plain checks collected in a list: SoftAssertions' proxies cost seconds to generate.
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      String where = query + " row " + i + " " + a.get(i).start() + " " + a.get(i).group();
      compareMeasures(mismatches, where, a.get(i).measures(), b.get(i).measures());
    }
    assertThat(mismatches).as("measures that disagree with the reference").isEmpty();
  }

  private static void compareMeasures(
      List<String> out, String where, UsageMeasures mine, UsageMeasures theirs) {
    same(out, where, "requests", mine.requests(), theirs.requests());
    same(out, where, "errors", mine.errors(), theirs.errors());
    same(out, where, "tokens", mine.tokens(), theirs.tokens());
    same(out, where, "tokensMissing", mine.tokensMissing(), theirs.tokensMissing());
    same(out, where, "unpriced", mine.unpriced(), theirs.unpriced());
    List<String> currencies = mine.cost().stream().map(Money::currency).toList();
    same(
        out,
        where,
        "cost currencies",
        currencies,
        theirs.cost().stream().map(Money::currency).toList());
    for (int i = 0; i < Math.min(mine.cost().size(), theirs.cost().size()); i++) {
      BigDecimal x = mine.cost().get(i).amount();
      BigDecimal y = theirs.cost().get(i).amount();
      if (x.compareTo(y) != 0) {
        out.add(where + ": cost in " + currencies.get(i) + " " + x + ", reference " + y);
      }
    }
    DurationStats d = mine.duration();
    DurationStats e = theirs.duration();
    same(out, where, "avg duration", d.avg(), e.avg());
    same(out, where, "max duration", d.max(), e.max());
    percentile(out, where, "p50", d.p50(), e.p50());
    percentile(out, where, "p95", d.p95(), e.p95());
    percentile(out, where, "p99", d.p99(), e.p99());
  }

  private static void same(
      List<String> out, String where, String what, Object mine, Object theirs) {
    if (!mine.equals(theirs)) {
      out.add(where + ": " + what + " " + mine + ", reference " + theirs);
    }
  }

  private static void percentile(
      List<String> out, String where, String name, Duration mine, Duration exact) {
    double error = Math.abs(mine.toNanos() - exact.toNanos()) / (double) exact.toNanos();
    if (error > PERCENTILE_ERROR) {
      out.add(where + ": " + name + " " + mine + " is " + error + " off the exact " + exact);
    }
  }

  private static List<UsageEvent> allEvents(UsageQueries queries, EventQuery.Builder query) {
    List<UsageEvent> all = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      EventPage page = queries.events(query.cursor(cursor).build());
      all.addAll(page.events());
      cursor = page.nextCursor();
      assertThat(++pages).as("pages").isLessThan(EVENTS + 2);
    } while (cursor != null);
    return all;
  }

  private static List<String> ids(List<UsageEvent> events) {
    return events.stream().map(UsageEvent::id).toList();
  }

  /** The data set: seeded, so every run and every store sees the same events. */
  private static List<UsageEvent> dataSet() {
    Random r = new Random(20260328L);
    List<UsageEvent> events = new ArrayList<>(EVENTS);
    long span = Duration.between(T0, T_END).toNanos();
    Instant previous = T0;
    for (int i = 0; i < EVENTS; i++) {
      // Every tenth event shares the previous one's timestamp, so pages order ties by id.
      Instant at =
          i % 10 == 9 ? previous : T0.plusNanos((long) (r.nextDouble() * span) / 1000 * 1000);
      previous = at;
      String model = List.of("m-a", "m-b", "").get(r.nextInt(3));
      UsageEvent.Builder b =
          UsageEvent.builder(OPERATIONS.get(r.nextInt(OPERATIONS.size())))
              .id(String.format("ev%05d", i))
              .occurredAt(at)
              .subject(SUBJECTS.get(r.nextInt(SUBJECTS.size())))
              .model(model.isEmpty() ? null : model)
              .provider(model.isEmpty() ? null : "provider-" + model)
              // 1 ms to 10 minutes, spread evenly on a log scale.
              .duration(Duration.ofNanos((long) (1e6 * Math.pow(600_000, r.nextDouble()))))
              .attribute("i", Integer.toString(i))
              .content(ContentSummary.lengths(r.nextInt(500), r.nextInt(900)));
      int tokens = r.nextInt(10);
      if (tokens < 6) {
        b.tokens(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(r.nextInt(2000))
                .cachedInput(r.nextInt(300))
                .cacheWrite(r.nextInt(40))
                .output(r.nextInt(900))
                .reasoning(r.nextInt(200))
                .build());
      } else if (tokens < 9) {
        b.tokens(TokenUsage.estimated(1 + r.nextInt(1000), 1 + r.nextInt(400)));
      }
      int outcome = r.nextInt(10);
      if (outcome == 0) {
        b.failure(new ErrorInfo("java.io.IOException", "upstream failed " + i));
      } else if (outcome == 1) {
        b.cancelled();
        b.tokens(TokenUsage.estimated(1 + r.nextInt(1000), r.nextInt(400)));
      }
      int cost = r.nextInt(4);
      if (cost == 1 || cost == 2) {
        b.cost(Cost.of(BigDecimal.valueOf(r.nextInt(5_000_000), 8), "USD", "v-2026-03"));
      } else if (cost == 3) {
        b.cost(Cost.of(BigDecimal.valueOf(r.nextInt(90_000), 6), "EUR"));
      }
      events.add(b.build());
    }
    return List.copyOf(events);
  }
}
