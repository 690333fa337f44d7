package dev.tally.jdbc;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.QuerySource;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger written by the V2 code (commit 13e0b00) into {@code v2/ledger-v2.db}, and the queries
 * whose answers that code gave ({@code v2/ledger-v2-answers.txt}): the upgrade test checks that V3
 * gives the same answers over the upgraded file.
 */
final class V2Fixture {
  static final String DB = "/v2/ledger-v2.db";
  static final String ANSWERS = "/v2/ledger-v2-answers.txt";

  private V2Fixture() {}

  /** What the fixture holds: varied events with caller ids, UUIDv7 ids, content and costs. */
  static List<UsageEvent> events() {
    List<UsageEvent> events = new ArrayList<>(TestEvents.varied(11, 300, 50));
    for (int i = 0; i < 60; i++) {
      events.add(
          UsageEvent.builder(i % 3 == 0 ? "http" : "chat", TestEvents.CLOCK)
              .occurredAt(TestEvents.T0.plusSeconds(1800L * i + 7))
              .subject("user-" + (i % 5))
              .model(i % 4 == 0 ? null : "gpt-" + (i % 2))
              .provider(i % 2 == 0 ? "openai" : null)
              .tenant("t" + (i % 2))
              .userEmail("u" + i + "@example.com")
              .sessionId("s-" + i)
              .traceId("trace-" + i)
              .tokens(TokenUsage.reported(100 + i, 20 + i))
              .duration(Duration.ofMillis(3L * i + 1))
              .attribute("route", "/api/chat")
              .attribute("tally.cost", "0.0" + (i + 10))
              .attribute("tally.currency", i % 7 == 0 ? "eur" : "USD")
              .attribute("tally.price_version", "p-" + (i % 3))
              .content(
                  i % 4 == 0
                      ? ContentSummary.of("q\t" + i, "a\n" + i)
                      : ContentSummary.lengths(i, 2 * i))
              .build());
    }
    // the same caller id twice: the first is kept
    events.add(events.get(0));
    return events;
  }

  /** The queries and listings compared before and after the upgrade, by name. */
  static Map<String, String> answers(JdbcUsageStore store) {
    Instant from = TestEvents.T0.minusSeconds(3600);
    Instant to = TestEvents.T0.plus(Duration.ofDays(3));
    Map<String, String> out = new LinkedHashMap<>();
    List<UsageQuery> queries =
        List.of(
            UsageQuery.builder(from, to).build(),
            UsageQuery.builder(from, to)
                .groupBy(GroupField.SUBJECT, GroupField.MODEL, GroupField.OUTCOME)
                .build(),
            UsageQuery.builder(from, to).window(Window.HOUR).groupBy(GroupField.OPERATION).build(),
            UsageQuery.builder(from, to)
                .window(Window.DAY)
                .zone(ZoneId.of("Europe/Berlin"))
                .filter(GroupField.SUBJECT, "user-1")
                .build(),
            UsageQuery.builder(from, to)
                .window(Window.DAY)
                .zone(ZoneId.of("Asia/Kolkata"))
                .groupBy(GroupField.MODEL)
                .build(),
            UsageQuery.builder(from, to)
                .exclude(GroupField.OPERATION, "http")
                .filter(GroupField.MODEL, "")
                .build(),
            UsageQuery.builder(from, to)
                .source(QuerySource.RAW)
                .groupBy(GroupField.OUTCOME)
                .build(),
            UsageQuery.builder(TestEvents.T0.plusSeconds(600), TestEvents.T0.plusSeconds(7800))
                .window(Window.MINUTE)
                .build());
    for (int i = 0; i < queries.size(); i++) {
      UsageReport r = store.report(queries.get(i));
      out.put("report-" + i, r.source() + " " + r.rawSpans() + " " + r.rows());
    }
    String cursor = null;
    int page = 0;
    do {
      EventPage p = store.events(EventQuery.builder(from, to).limit(97).cursor(cursor).build());
      out.put("events-" + page++, legacy(p.events()));
      cursor = p.nextCursor();
    } while (cursor != null);
    EventPage user =
        store.events(
            EventQuery.builder(from, to)
                .filter(GroupField.SUBJECT, "user-2")
                .newestFirst(true)
                .limit(1000)
                .build());
    out.put("events-user-2-newest", legacy(user.events()));
    return out;
  }

  /**
   * Events as the V2 code printed them ({@code UsageEvent.toString} before the who/where fields
   * became one {@code UsageContext} and the cost a typed field), so the answers recorded by that
   * code compare field by field. The typed cost is checked apart, in the upgrade tests.
   */
  static String legacy(List<UsageEvent> events) {
    return events.stream().map(V2Fixture::legacy).toList().toString();
  }

  private static String legacy(UsageEvent e) {
    return "UsageEvent[id="
        + e.id()
        + ", occurredAt="
        + e.occurredAt()
        + ", operation="
        + e.operation()
        + ", subject="
        + e.subject()
        + ", userEmail="
        + e.userEmail()
        + ", sessionId="
        + e.sessionId()
        + ", tenant="
        + e.tenant()
        + ", model="
        + e.model()
        + ", provider="
        + e.provider()
        + ", tokens="
        + e.tokens()
        + ", duration="
        + e.duration()
        + ", outcome="
        + e.outcome()
        + ", error="
        + e.error()
        + ", attributes="
        + e.attributes()
        + ", traceId="
        + e.traceId()
        + ", content="
        + e.content()
        + "]";
  }

  /**
   * Events whose typed cost, read from the upgraded ledger, differs from the cost the V2 code
   * stored (its attributes carried the priced amount and currency); empty when every cost moved.
   */
  static List<String> costMismatches(JdbcUsageStore store) {
    Instant from = TestEvents.T0.minusSeconds(3600);
    Instant to = TestEvents.T0.plus(Duration.ofDays(3));
    List<String> wrong = new ArrayList<>();
    int priced = 0;
    String cursor = null;
    do {
      EventPage p = store.events(EventQuery.builder(from, to).limit(500).cursor(cursor).build());
      for (UsageEvent e : p.events()) {
        String amount = e.attributes().get("tally.cost");
        String currency = e.attributes().get("tally.currency");
        if (amount == null || currency == null || !currency.matches("[A-Za-z]{3}")) {
          continue;
        }
        priced++;
        java.math.BigDecimal typed = e.cost().amount();
        if (typed == null
            || typed.compareTo(new java.math.BigDecimal(amount)) != 0
            || !currency.equalsIgnoreCase(e.cost().currency())) {
          wrong.add(e.id() + ": " + amount + " " + currency + " became " + e.cost());
        }
      }
      cursor = p.nextCursor();
    } while (cursor != null);
    if (priced == 0) {
      wrong.add("no priced event in the fixture");
    }
    return wrong;
  }
}
