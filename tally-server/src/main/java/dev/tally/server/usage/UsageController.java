package dev.tally.server.usage;

import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageReport;
import dev.tally.core.query.Window;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.server.auth.Caller;
import dev.tally.server.web.ApiException;
import dev.tally.spring.autoconfigure.TallyProperties;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The usage API over the Tally ledger. A user reads only their own usage ({@code /me}, {@code
 * /me/events}, and {@code /export} for themselves); admins read anyone's. Callers without a key get
 * 401.
 *
 * <p>Requests are operations: without an {@code operation} parameter every report and listing
 * leaves out the HTTP middleware's own request events (operation {@code tally.filter.operation},
 * {@code http} by default), which would count each chat twice; reports give their number apart as
 * {@code httpRequests}, and {@code operation=http} shows them alone.
 */
@RestController
@RequestMapping("/api/usage")
class UsageController {
  private final JdbcUsageStore store;
  private final UsageParams params;
  private final String httpOperation;

  UsageController(JdbcUsageStore store, UsageParams params, TallyProperties tally) {
    this.store = store;
    this.params = params;
    this.httpOperation = tally.getFilter().getOperation();
  }

  /**
   * The query parameters of the usage reports, bound from the request by name. On {@code /me}
   * endpoints the subject is always replaced by the caller's.
   */
  record ReportParams(
      @Nullable String subject,
      @Nullable String from,
      @Nullable String to,
      @Nullable String window,
      @Nullable String groupBy,
      @Nullable String tz,
      @Nullable String operation,
      @Nullable String model,
      @Nullable String outcome) {
    ReportParams forSubject(@Nullable String who) {
      return new ReportParams(who, from, to, window, groupBy, tz, operation, model, outcome);
    }
  }

  /** The query parameters of the event listings, bound from the request by name. */
  record EventParams(
      @Nullable String subject,
      @Nullable String from,
      @Nullable String to,
      @Nullable String operation,
      @Nullable String model,
      @Nullable String outcome,
      @Nullable Integer limit,
      @Nullable String cursor,
      @Nullable String order) {
    EventParams forSubject(String who) {
      return new EventParams(who, from, to, operation, model, outcome, limit, cursor, order);
    }
  }

  /** The caller's own usage. */
  @GetMapping("/me")
  UsageViews.Report me(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @ParameterObject ReportParams query) {
    caller.requireUser();
    return report(query.forSubject(caller.subject()));
  }

  /** Anyone's usage, or everyone's without {@code subject}: admins only. */
  @GetMapping
  UsageViews.Report usage(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @ParameterObject ReportParams query) {
    caller.requireAdmin();
    return report(query);
  }

  /**
   * Raw events ({@code order=oldest}, the default, or {@code newest}) with a cursor: admins only.
   */
  @GetMapping("/events")
  UsageViews.EventsPage events(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @ParameterObject EventParams query) {
    caller.requireAdmin();
    return eventsPage(query);
  }

  /**
   * The caller's own raw events, oldest or newest first, with the same filters and cursor
   * pagination as {@code /events}. The subject is always the caller's, so a cursor from anyone
   * else's listing never shows their events here.
   */
  @GetMapping("/me/events")
  UsageViews.EventsPage myEvents(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @ParameterObject EventParams query) {
    caller.requireUser();
    return eventsPage(query.forSubject(caller.subject())).forUser();
  }

  /** The series as CSV: a user's own, or (for admins) anyone's or everyone's. */
  @GetMapping("/export")
  ResponseEntity<String> export(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @RequestParam(required = false) @Nullable String format,
      @ParameterObject ReportParams query) {
    caller.requireUser();
    if (format != null && !format.equalsIgnoreCase("csv")) {
      throw ApiException.badRequest("format must be csv, was '" + format + "'");
    }
    ReportParams scoped = query;
    if (!caller.admin()) {
      if (query.subject() != null && !query.subject().equals(caller.subject())) {
        throw ApiException.forbidden("you may export only your own usage");
      }
      scoped = query.forSubject(caller.subject());
    }
    return ResponseEntity.ok()
        .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
        .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"usage.csv\"")
        .body(UsageCsv.write(report(scoped)));
  }

  private UsageViews.Report report(ReportParams q) {
    ZoneId zone = params.zone(q.tz());
    UsageParams.Range range = params.range(q.from(), q.to(), zone);
    Window w = params.window(q.window());
    List<GroupField> groups = params.groupBy(q.groupBy());
    Map<GroupField, String> filters = filters(q.subject(), q.operation(), q.model(), q.outcome());
    boolean withoutHttp = !filters.containsKey(GroupField.OPERATION);

    UsageQuery.Builder series =
        UsageQuery.builder(range.from(), range.to()).window(w).zone(zone).groupBy(groups);
    filters.forEach(series::filter);
    if (withoutHttp) {
      series.exclude(GroupField.OPERATION, httpOperation);
    }
    UsageQuery seriesQuery = series.build();
    List<UsageQuery> queries = new ArrayList<>(List.of(seriesQuery, seriesQuery.totals()));
    if (withoutHttp) {
      UsageQuery.Builder http = UsageQuery.builder(range.from(), range.to()).zone(zone);
      filters.forEach(http::filter);
      queries.add(http.filter(GroupField.OPERATION, httpOperation).build());
    }
    // One snapshot: the totals, the series and the HTTP count agree even while events arrive.
    List<UsageReport> reports = store.reports(queries);

    return new UsageViews.Report(
        q.subject(),
        range.from(),
        range.to(),
        w == null ? UsageParams.NO_WINDOW : w.name().toLowerCase(Locale.ROOT),
        zone.getId(),
        groups.stream().map(g -> g.name().toLowerCase(Locale.ROOT)).toList(),
        withoutHttp ? List.of(httpOperation) : List.of(),
        totals(reports.get(1)),
        withoutHttp ? totals(reports.get(2)).requests() : null,
        reports.get(0).rows().stream().map(UsageViews.Point::of).toList());
  }

  private static UsageViews.Measures totals(UsageReport report) {
    return report.rows().isEmpty()
        ? UsageViews.Measures.NONE
        : UsageViews.Measures.of(report.rows().get(0).measures());
  }

  private UsageViews.EventsPage eventsPage(EventParams q) {
    String order = q.order();
    UsageParams.Range range = params.range(q.from(), q.to(), params.zone(null));
    boolean newest;
    if (order == null || order.equals("oldest")) {
      newest = false;
    } else if (order.equals("newest")) {
      newest = true;
    } else {
      throw ApiException.badRequest("order must be 'oldest' or 'newest', was '" + order + "'");
    }
    EventQuery.Builder query =
        EventQuery.builder(range.from(), range.to())
            .limit(params.limit(q.limit()))
            .cursor(q.cursor())
            .newestFirst(newest);
    Map<GroupField, String> filters = filters(q.subject(), q.operation(), q.model(), q.outcome());
    filters.forEach(query::filter);
    if (!filters.containsKey(GroupField.OPERATION)) {
      query.exclude(GroupField.OPERATION, httpOperation);
    }
    EventPage page = store.events(query.build());
    return new UsageViews.EventsPage(
        page.events().stream().map(UsageViews.EventView::of).toList(), page.nextCursor());
  }

  private static Map<GroupField, String> filters(
      @Nullable String subject,
      @Nullable String operation,
      @Nullable String model,
      @Nullable String outcome) {
    Map<GroupField, String> filters = new EnumMap<>(GroupField.class);
    if (subject != null) {
      filters.put(GroupField.SUBJECT, subject);
    }
    if (operation != null) {
      filters.put(GroupField.OPERATION, operation);
    }
    if (model != null) {
      filters.put(GroupField.MODEL, model);
    }
    if (outcome != null) {
      filters.put(GroupField.OUTCOME, outcome.toUpperCase(Locale.ROOT));
    }
    return filters;
  }
}
