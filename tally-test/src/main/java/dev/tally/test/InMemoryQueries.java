package dev.tally.test;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.DurationStats;
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
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Answers the query model over a list of events, the way a ledger does, written plainly: every
 * answer is computed from the events themselves (there are no rollups), percentiles are exact
 * nearest-rank values, and costs are summed per currency to the nanounit as a store keeps them.
 */
final class InMemoryQueries {
  private static final String CURSOR_PREFIX = "m1:";
  private static final long HOUR_NANOS = 3_600_000_000_000L;

  private InMemoryQueries() {}

  static UsageReport report(List<UsageEvent> events, UsageQuery q) {
    List<Instant> edges = edges(q);
    if (q.source() == QuerySource.ROLLUPS) {
      if (q.window() == Window.MINUTE) {
        throw new IllegalArgumentException(
            "source ROLLUPS cannot answer window MINUTE: rollups are hourly; use source RAW or"
                + " AUTO");
      }
      for (Instant edge : edges) {
        if (!isWholeHour(edge)) {
          throw new IllegalArgumentException(
              "source ROLLUPS needs from, to and bucket edges on whole UTC hours, but bucket edge "
                  + edge
                  + " is not; use source RAW or AUTO");
        }
      }
    }
    Comparator<Cell> order =
        Comparator.comparingInt(Cell::bucket).thenComparing(Cell::values, InMemoryQueries::compare);
    TreeMap<Cell, Sum> cells = new TreeMap<>(order);
    for (UsageEvent e : events) {
      if (e.occurredAt().isBefore(q.from())
          || !e.occurredAt().isBefore(q.to())
          || !matches(e, q.filters(), q.exclusions())) {
        continue;
      }
      int bucket = Collections.binarySearch(edges.subList(0, edges.size() - 1), e.occurredAt());
      bucket = bucket < 0 ? -bucket - 2 : bucket;
      List<String> values = new ArrayList<>(q.groupBy().size());
      for (GroupField g : q.groupBy()) {
        values.add(value(e, g));
      }
      cells.computeIfAbsent(new Cell(bucket, values), k -> new Sum()).add(e);
    }
    List<UsageRow> rows = new ArrayList<>(cells.size());
    cells.forEach(
        (cell, sum) -> {
          Map<GroupField, String> group = new LinkedHashMap<>();
          for (int i = 0; i < q.groupBy().size(); i++) {
            group.put(q.groupBy().get(i), cell.values().get(i));
          }
          rows.add(
              new UsageRow(
                  edges.get(cell.bucket()),
                  edges.get(cell.bucket() + 1),
                  Collections.unmodifiableMap(group),
                  sum.measures()));
        });
    return new UsageReport(q, QuerySource.RAW, rows);
  }

  static EventPage events(List<UsageEvent> events, EventQuery q) {
    Position after = q.cursor() == null ? null : decode(q.cursor());
    Comparator<UsageEvent> order =
        Comparator.comparing(UsageEvent::occurredAt).thenComparing(UsageEvent::id);
    if (q.newestFirst()) {
      order = order.reversed();
    }
    List<UsageEvent> kept = new ArrayList<>();
    for (UsageEvent e : events) {
      if (e.occurredAt().isBefore(q.from())
          || !e.occurredAt().isBefore(q.to())
          || !matches(e, q.filters(), q.exclusions())) {
        continue;
      }
      if (after != null) {
        int c = e.occurredAt().compareTo(after.at());
        c = c != 0 ? c : e.id().compareTo(after.id());
        if (q.newestFirst() ? c >= 0 : c <= 0) {
          continue;
        }
      }
      kept.add(e);
    }
    kept.sort(order);
    boolean more = kept.size() > q.limit();
    List<UsageEvent> page = more ? kept.subList(0, q.limit()) : kept;
    String next = null;
    if (more) {
      UsageEvent last = page.get(page.size() - 1);
      next = encode(new Position(last.occurredAt(), last.id()));
    }
    return new EventPage(page, next);
  }

  /** The bucket edges: {@code from}, every window boundary inside, {@code to}. */
  private static List<Instant> edges(UsageQuery q) {
    List<Instant> edges = new ArrayList<>();
    edges.add(q.from());
    Window w = q.window();
    if (w != null) {
      Instant cur = q.from();
      while (true) {
        Instant next = next(w, q, cur);
        if (!next.isBefore(q.to())) {
          break;
        }
        edges.add(next);
        cur = next;
        if (edges.size() > UsageQuery.MAX_BUCKETS) {
          throw new IllegalArgumentException(
              "window "
                  + w
                  + " is too fine for the range from="
                  + q.from()
                  + " to="
                  + q.to()
                  + ": it needs more than "
                  + UsageQuery.MAX_BUCKETS
                  + " buckets; use a coarser window or a shorter range");
        }
      }
    }
    edges.add(q.to());
    return edges;
  }

  private static Instant next(Window w, UsageQuery q, Instant cur) {
    switch (w) {
      case MINUTE:
        return cur.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
      case HOUR:
        return cur.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
      default:
        LocalDate day = cur.atZone(q.zone()).toLocalDate();
        LocalDate next = w == Window.DAY ? day.plusDays(1) : day.withDayOfMonth(1).plusMonths(1);
        return next.atStartOfDay(q.zone()).toInstant();
    }
  }

  private static boolean isWholeHour(Instant at) {
    return at.getNano() == 0 && Math.floorMod(at.getEpochSecond(), 3600L) == 0;
  }

  private static boolean matches(
      UsageEvent e, Map<GroupField, String> filters, Map<GroupField, Set<String>> exclusions) {
    for (Map.Entry<GroupField, String> f : filters.entrySet()) {
      if (!value(e, f.getKey()).equals(f.getValue())) {
        return false;
      }
    }
    for (Map.Entry<GroupField, Set<String>> x : exclusions.entrySet()) {
      if (x.getValue().contains(value(e, x.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** A field's value as queries see it: an event without a model has the model "". */
  private static String value(UsageEvent e, GroupField field) {
    return switch (field) {
      case SUBJECT -> e.subject();
      case OPERATION -> e.operation();
      case MODEL -> e.model() == null ? "" : e.model();
      case OUTCOME -> e.outcome().name();
    };
  }

  private static int compare(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private record Cell(int bucket, List<String> values) {}

  /** The measures of one cell, summed event by event. */
  private static final class Sum {
    long requests;
    long errors;
    long input;
    long cachedInput;
    long cacheWrite;
    long output;
    long reasoning;
    long tokensMissing;
    long unpriced;
    long durationSumMicros;
    final Map<String, BigDecimal> cost = new TreeMap<>();
    final List<Long> durations = new ArrayList<>();

    void add(UsageEvent e) {
      requests++;
      if (e.outcome() == Outcome.ERROR) { // a CANCELLED stream is not an error
        errors++;
      }
      input += e.tokens().input();
      cachedInput += e.tokens().cachedInput();
      cacheWrite += e.tokens().cacheWrite();
      output += e.tokens().output();
      reasoning += e.tokens().reasoning();
      if (!e.tokens().isKnown()) {
        tokensMissing++;
      }
      BigDecimal amount = e.cost().amount();
      String currency = e.cost().currency();
      if (amount == null || currency == null) {
        unpriced++;
      } else {
        // A ledger keeps a cost to the nanounit.
        cost.merge(currency, amount.setScale(9, RoundingMode.HALF_EVEN), BigDecimal::add);
      }
      long nanos = e.duration().toNanos();
      durations.add(nanos);
      durationSumMicros += nanos / 1000;
    }

    UsageMeasures measures() {
      List<Money> money = new ArrayList<>();
      cost.forEach((currency, amount) -> money.add(new Money(normalized(amount), currency)));
      money.sort(Comparator.comparing(Money::amount).reversed().thenComparing(Money::currency));
      long[] sorted = durations.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(sorted);
      long max = sorted.length == 0 ? 0 : sorted[sorted.length - 1];
      return new UsageMeasures(
          requests,
          errors,
          new TokenTotals(input, cachedInput, cacheWrite, output, reasoning),
          tokensMissing,
          money,
          unpriced,
          new DurationStats(
              Duration.ofNanos(requests == 0 ? 0 : durationSumMicros / requests * 1000),
              Duration.ofNanos(percentile(sorted, 50)),
              Duration.ofNanos(percentile(sorted, 95)),
              Duration.ofNanos(percentile(sorted, 99)),
              Duration.ofNanos(max)));
    }

    /** The nearest-rank percentile: the {@code ceil(n * percent / 100)}-th smallest value. */
    private static long percentile(long[] sorted, int percent) {
      if (sorted.length == 0) {
        return 0;
      }
      long rank = Math.max(1, ((long) sorted.length * percent + 99) / 100);
      return sorted[(int) rank - 1];
    }

    private static BigDecimal normalized(BigDecimal amount) {
      BigDecimal d = amount.stripTrailingZeros();
      return d.scale() < 0 ? d.setScale(0) : d;
    }
  }

  private record Position(Instant at, String id) {}

  private static String encode(Position p) {
    String plain = CURSOR_PREFIX + p.at() + "|" + p.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  private static Position decode(String cursor) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int bar = plain.indexOf('|');
      if (plain.startsWith(CURSOR_PREFIX) && bar > 0) {
        return new Position(
            Instant.parse(plain.substring(CURSOR_PREFIX.length(), bar)), plain.substring(bar + 1));
      }
    } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
      // falls through to the error below
    }
    throw new IllegalArgumentException(
        "cursor must be a nextCursor this store returned, was '" + abbreviate(cursor) + "'");
  }

  private static String abbreviate(@Nullable String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
