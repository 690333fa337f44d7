package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.TokenTotals;
import dev.tally.core.query.UsageMeasures;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.UsageRow;
import dev.tally.core.query.Window;
import dev.tally.jdbc.internal.EventWriter;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Provide;

/**
 * The property behind {@link RollupPropertyTest} and {@link PostgresRollupPropertyTest}: random
 * event sets through any group-by, window, zone and filter; the store's answer (from rollups where
 * they apply, and from raw rows when forced) must equal a brute-force computation over the events:
 * counts, tokens and cost exactly, percentiles within the histogram's stated error.
 */
abstract class RollupCheck {
  /** The stated percentile error: 2^(1/8) - 1, plus rounding at bucket edges. */
  static final double RELATIVE_ERROR = Math.pow(2, 1.0 / 8) - 1 + 1e-6;

  private static final Instant BASE = Instant.parse("2026-01-30T00:00:00Z");
  private static final List<ZoneId> ZONES =
      List.of(
          ZoneOffset.UTC,
          ZoneId.of("America/New_York"),
          ZoneId.of("Europe/Berlin"),
          ZoneId.of("Asia/Kolkata"),
          ZoneId.of("Australia/Lord_Howe"));

  private static final java.util.concurrent.atomic.AtomicInteger TRIES =
      new java.util.concurrent.atomic.AtomicInteger();

  @Provide
  Arbitrary<List<GroupField>> groupBys() {
    return Arbitraries.subsetOf(GroupField.values())
        .flatMap(set -> Arbitraries.shuffle(new ArrayList<>(set)));
  }

  @Provide
  Arbitrary<Window> windows() {
    return Arbitraries.of(Window.MINUTE, Window.HOUR, Window.DAY, Window.MONTH).injectNull(0.2);
  }

  static void checkTry(
      JdbcUsageStore store,
      String url,
      long seed,
      List<GroupField> groupBy,
      Window window,
      ZoneId zone,
      Map<GroupField, String> filters)
      throws Exception {
    try (Connection c = DriverManager.getConnection(url)) {
      EventWriter.truncateAll(c);
    }
    Random r = new Random(seed);
    List<UsageEvent> events = randomEvents(r, "t" + TRIES.incrementAndGet() + "-");
    // Export in random batches, then replay a random slice: replays must not count.
    List<UsageEvent> shuffled = new ArrayList<>(events);
    Collections.shuffle(shuffled, r);
    int i = 0;
    while (i < shuffled.size()) {
      int n = 1 + r.nextInt(80);
      store.export(shuffled.subList(i, Math.min(shuffled.size(), i + n))).get(30, TimeUnit.SECONDS);
      i += n;
    }
    if (!shuffled.isEmpty()) {
      int from = r.nextInt(shuffled.size());
      store.export(shuffled.subList(from, shuffled.size())).get(30, TimeUnit.SECONDS);
    }

    Instant from = BASE.plus(Duration.ofHours(r.nextInt(24 * 5)));
    Instant to =
        window == Window.MINUTE
            ? from.plus(Duration.ofMinutes(1 + r.nextInt(24 * 60 * 6)))
            : from.plus(Duration.ofHours(1 + r.nextInt(24 * 50)));
    boolean unaligned = r.nextInt(5) == 0;
    if (unaligned) {
      // Bounds off the hour: the hours they cut come from raw rows.
      from = from.plusSeconds(1 + r.nextInt(3599));
    }
    if (r.nextInt(5) == 0) {
      // An end off the hour, as the dashboard's "now".
      unaligned = true;
      to = to.plusSeconds(1 + r.nextInt(3599));
    }
    if (!from.isBefore(to)) {
      // A short MINUTE range whose start moved past its end.
      to = from.plus(Duration.ofMinutes(1 + r.nextInt(90)));
    }
    UsageQuery.Builder qb = UsageQuery.builder(from, to).window(window).zone(zone).groupBy(groupBy);
    filters.forEach(qb::filter);
    if (r.nextInt(4) == 0) {
      qb.exclude(GroupField.OPERATION, "embed");
    }
    if (r.nextInt(6) == 0) {
      qb.exclude(GroupField.MODEL, "").exclude(GroupField.MODEL, "model-b");
    }
    UsageQuery auto = qb.build();
    UsageQuery raw = qb.source(QuerySource.RAW).build();

    // The first export of an id wins, so brute force follows the export order.
    Map<String, Expected> expected = bruteForce(shuffled, auto);
    UsageReport fromAuto = store.report(auto);
    UsageReport fromRaw = store.report(raw);

    // The edges off the hour: an unaligned bound, and day or month starts off the hour.
    List<Instant> offHourEdges = new ArrayList<>();
    for (Instant bound : List.of(from, to)) {
      if (bound.getEpochSecond() % 3600 != 0 || bound.getNano() != 0) {
        offHourEdges.add(bound);
      }
    }
    if (window == Window.DAY || window == Window.MONTH) {
      for (var d = from.atZone(zone).toLocalDate(); ; d = d.plusDays(1)) {
        Instant start = d.atStartOfDay(zone).toInstant();
        if (!start.isBefore(to)) {
          break;
        }
        boolean edge = window == Window.DAY || d.getDayOfMonth() == 1;
        if (edge && start.isAfter(from) && start.getEpochSecond() % 3600 != 0) {
          offHourEdges.add(start);
        }
      }
    }
    boolean hourAligned = offHourEdges.isEmpty() && window != Window.MINUTE;
    // Rollups answer every whole hour; raw rows only the hours an edge cuts (or everything, for
    // MINUTE windows and ranges without a whole hour inside).
    Instant firstWholeHour =
        from.truncatedTo(ChronoUnit.HOURS).equals(from)
            ? from
            : from.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
    boolean wholeHourInside = firstWholeHour.plus(Duration.ofHours(1)).compareTo(to) <= 0;
    if (window == Window.MINUTE || !wholeHourInside) {
      assertThat(fromAuto.source()).isEqualTo(QuerySource.RAW);
      assertThat(fromAuto.rawSpans()).containsExactly(new UsageReport.Span(from, to));
    } else {
      assertThat(fromAuto.source()).isEqualTo(QuerySource.ROLLUPS);
      assertThat(fromAuto.rawSpans().isEmpty()).isEqualTo(hourAligned);
      long rawTime = 0;
      for (UsageReport.Span span : fromAuto.rawSpans()) {
        assertThat(Duration.between(span.start(), span.end())).isPositive();
        assertThat(span.start()).isAfterOrEqualTo(from);
        assertThat(span.end()).isBeforeOrEqualTo(to);
        // Raw rows answer only hours an edge cuts; adjacent cut hours merge into one span.
        for (Instant hour = span.start().truncatedTo(ChronoUnit.HOURS);
            hour.isBefore(span.end());
            hour = hour.plus(Duration.ofHours(1))) {
          Instant h = hour;
          assertThat(offHourEdges)
              .as("an edge off the hour inside raw hour %s of span %s", h, span)
              .anySatisfy(
                  e ->
                      assertThat(!e.isBefore(h) && e.isBefore(h.plus(Duration.ofHours(1))))
                          .isTrue());
        }
        rawTime += Duration.between(span.start(), span.end()).toNanos();
      }
      assertThat(rawTime).isLessThan(Duration.between(from, to).toNanos());
    }
    assertThat(fromRaw.source()).isEqualTo(QuerySource.RAW);
    assertMatches(fromAuto, expected, groupBy);
    assertMatches(fromRaw, expected, groupBy);
  }

  @Provide
  Arbitrary<ZoneId> zones() {
    return Arbitraries.of(ZONES);
  }

  @Provide
  Arbitrary<Map<GroupField, String>> filters() {
    Arbitrary<Map<GroupField, String>> none = Arbitraries.just(Map.of());
    Arbitrary<Map<GroupField, String>> one =
        Arbitraries.of(
            Map.of(GroupField.SUBJECT, "user-1"),
            Map.of(GroupField.OPERATION, "chat"),
            Map.of(GroupField.MODEL, ""),
            Map.of(GroupField.MODEL, "model-a"),
            Map.of(GroupField.OUTCOME, "ERROR"),
            Map.of(GroupField.SUBJECT, "user-0", GroupField.OUTCOME, "SUCCESS"));
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, none), net.jqwik.api.Tuple.of(2, one));
  }

  static List<UsageEvent> randomEvents(Random r, String prefix) {
    int count = r.nextInt(160);
    List<UsageEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long offsetMs = (long) (r.nextDouble() * Duration.ofDays(60).toMillis());
      UsageEvent.Builder b =
          UsageEvent.builder(r.nextBoolean() ? "chat" : "embed", TestEvents.CLOCK)
              .id(prefix + i)
              .occurredAt(BASE.plusMillis(offsetMs).plusNanos(r.nextInt(1_000_000)))
              .subject("user-" + r.nextInt(3))
              .model(r.nextInt(3) == 0 ? null : (r.nextBoolean() ? "model-a" : "model-b"));
      // Durations from nanoseconds to about 30 minutes, so every histogram region is hit.
      double kind = r.nextDouble();
      long nanos =
          kind < 0.05 ? r.nextInt(1_000_000) : (long) Math.exp(13.8 + r.nextDouble() * 14.6);
      b.duration(Duration.ofNanos(nanos));
      int tokens = r.nextInt(4);
      if (tokens == 0) {
        b.tokens(TokenUsage.missing());
      } else {
        b.tokens(
            TokenUsage.builder(tokens == 1 ? UsageSource.REPORTED : UsageSource.ESTIMATED)
                .input(r.nextInt(5000))
                .cachedInput(r.nextInt(3000))
                .cacheWrite(r.nextInt(100))
                .output(r.nextInt(2000))
                .reasoning(r.nextInt(1000))
                .build());
      }
      if (r.nextInt(4) == 0) {
        b.failure(new ErrorInfo("E", null));
      }
      int cost = r.nextInt(4);
      if (cost > 0) {
        b.cost(
            Cost.of(
                BigDecimal.valueOf(r.nextInt(1_000_000_000), r.nextInt(10)),
                cost == 2 ? "EUR" : "USD"));
      }
      events.add(b.build());
    }
    // Some ids repeat with different content: the first stored wins.
    if (count > 10) {
      for (int k = 0; k < 5; k++) {
        UsageEvent original = events.get(r.nextInt(count));
        events.add(original.toBuilder().subject("impostor").build());
      }
    }
    return events;
  }

  /** Expected measures per "bucketStart|group values" key. */
  static Map<String, Expected> bruteForce(List<UsageEvent> events, UsageQuery q) {
    Map<String, UsageEvent> firstById = new LinkedHashMap<>();
    for (UsageEvent e : events) {
      firstById.putIfAbsent(e.id(), e);
    }
    Map<String, Expected> out = new TreeMap<>();
    for (UsageEvent e : firstById.values()) {
      Instant t = e.occurredAt();
      if (t.isBefore(q.from()) || !t.isBefore(q.to())) {
        continue;
      }
      boolean keep = true;
      for (Map.Entry<GroupField, String> f : q.filters().entrySet()) {
        keep &= value(e, f.getKey()).equals(f.getValue());
      }
      for (Map.Entry<GroupField, java.util.Set<String>> x : q.exclusions().entrySet()) {
        keep &= !x.getValue().contains(value(e, x.getKey()));
      }
      if (!keep) {
        continue;
      }
      Instant start;
      if (q.window() == null) {
        start = q.from();
      } else {
        start =
            switch (q.window()) {
              case MINUTE -> t.truncatedTo(ChronoUnit.MINUTES);
              case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
              case DAY -> t.atZone(q.zone()).toLocalDate().atStartOfDay(q.zone()).toInstant();
              case MONTH ->
                  t.atZone(q.zone())
                      .toLocalDate()
                      .withDayOfMonth(1)
                      .atStartOfDay(q.zone())
                      .toInstant();
            };
        if (start.isBefore(q.from())) {
          start = q.from();
        }
      }
      StringBuilder key = new StringBuilder(start.toString());
      for (GroupField g : q.groupBy()) {
        key.append('|').append(value(e, g));
      }
      out.computeIfAbsent(key.toString(), k -> new Expected()).add(e);
    }
    return out;
  }

  static String value(UsageEvent e, GroupField f) {
    return switch (f) {
      case SUBJECT -> e.subject();
      case OPERATION -> e.operation();
      case MODEL -> e.model() == null ? "" : e.model();
      case OUTCOME -> e.outcome().name();
    };
  }

  static void assertMatches(
      UsageReport report, Map<String, Expected> expected, List<GroupField> groupBy) {
    Map<String, UsageMeasures> actual = new TreeMap<>();
    for (UsageRow row : report.rows()) {
      StringBuilder key = new StringBuilder(row.start().toString());
      for (GroupField g : groupBy) {
        key.append('|').append(row.group().get(g));
      }
      actual.put(key.toString(), row.measures());
    }
    assertThat(actual.keySet())
        .as("row keys from %s", report.source())
        .isEqualTo(expected.keySet());
    for (Map.Entry<String, Expected> e : expected.entrySet()) {
      e.getValue().check(actual.get(e.getKey()), e.getKey() + " from " + report.source());
    }
  }

  static final class Expected {
    long requests;
    long errors;
    long input;
    long cachedInput;
    long cacheWrite;
    long output;
    long reasoning;
    long tokensMissing;
    long unpriced;
    long durationSumUs;
    final Map<String, BigDecimal> cost = new HashMap<>();
    final List<Long> durations = new ArrayList<>();

    void add(UsageEvent e) {
      requests++;
      errors += e.outcome() == dev.tally.core.event.Outcome.ERROR ? 1 : 0;
      input += e.tokens().input();
      cachedInput += e.tokens().cachedInput();
      cacheWrite += e.tokens().cacheWrite();
      output += e.tokens().output();
      reasoning += e.tokens().reasoning();
      tokensMissing += e.tokens().isKnown() ? 0 : 1;
      BigDecimal c = e.cost().amount();
      if (c == null) {
        unpriced++;
      } else {
        cost.merge(e.cost().currency(), c, BigDecimal::add);
      }
      durations.add(e.duration().toNanos());
      durationSumUs += e.duration().toNanos() / 1000;
    }

    void check(UsageMeasures m, String what) {
      assertThat(m.requests()).as("requests " + what).isEqualTo(requests);
      assertThat(m.errors()).as("errors " + what).isEqualTo(errors);
      assertThat(m.tokens())
          .as("tokens " + what)
          .isEqualTo(new TokenTotals(input, cachedInput, cacheWrite, output, reasoning));
      assertThat(m.tokensMissing()).as("tokensMissing " + what).isEqualTo(tokensMissing);
      assertThat(m.unpriced()).as("unpriced " + what).isEqualTo(unpriced);
      Map<String, BigDecimal> actualCost = new HashMap<>();
      m.cost().forEach(money -> actualCost.put(money.currency(), money.amount()));
      assertThat(actualCost.keySet()).as("currencies " + what).isEqualTo(cost.keySet());
      cost.forEach(
          (currency, amount) ->
              assertThat(actualCost.get(currency))
                  .as("cost " + currency + " " + what)
                  .isEqualByComparingTo(amount));
      List<Long> sorted = new ArrayList<>(durations);
      Collections.sort(sorted);
      long max = sorted.get(sorted.size() - 1);
      assertThat(m.duration().max().toNanos()).as("max " + what).isEqualTo(max);
      assertThat(m.duration().avg().toNanos())
          .as("avg " + what)
          .isEqualTo(durationSumUs / requests * 1000);
      checkPercentile(sorted, 50, m.duration().p50().toNanos(), max, what);
      checkPercentile(sorted, 95, m.duration().p95().toNanos(), max, what);
      checkPercentile(sorted, 99, m.duration().p99().toNanos(), max, what);
    }

    private static void checkPercentile(
        List<Long> sorted, int p, long estimate, long max, String what) {
      int rank = (int) Math.max(1, (sorted.size() * (long) p + 99) / 100);
      long truth = sorted.get(rank - 1);
      String as = "p" + p + " " + what + ": true " + truth + " ns, estimate " + estimate + " ns";
      assertThat(estimate).as(as).isLessThanOrEqualTo(max);
      if (truth < 1_000_000) {
        assertThat((double) Math.abs(estimate - truth)).as(as).isLessThanOrEqualTo(500_000);
      } else if (truth >= (1L << 20) * 1_000_000) {
        assertThat(estimate).as(as).isGreaterThanOrEqualTo(truth);
      } else {
        assertThat((double) Math.abs(estimate - truth))
            .as(as)
            .isLessThanOrEqualTo(RELATIVE_ERROR * truth);
      }
    }
  }
}
