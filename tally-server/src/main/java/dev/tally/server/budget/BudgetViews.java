package dev.tally.server.budget;

import dev.tally.core.budget.AlertOutbox;
import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetStatus;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.server.web.ApiException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** JSON shapes of the budget API, and the mapping from a request body to a {@link Budget}. */
final class BudgetViews {
  /** The subject prefix of a budget for one API key: {@code key:key_0123456789abcdef}. */
  static final String KEY_PREFIX = "key:";

  private BudgetViews() {}

  /** The body of {@code PUT /api/budgets/{id}}. */
  record BudgetRequest(
      @Nullable String subject,
      @Nullable String measure,
      @Nullable BigDecimal limit,
      @Nullable String currency,
      @Nullable String window,
      @Nullable String timeZone,
      @Nullable Integer hours,
      @Nullable List<Integer> thresholds,
      @Nullable String action,
      @Nullable WebhookRequest webhook) {}

  record WebhookRequest(@Nullable String url, @Nullable String secret) {}

  record BudgetView(
      String id,
      String subject,
      String measure,
      BigDecimal limit,
      @Nullable String currency,
      String window,
      @Nullable String timeZone,
      @Nullable Integer hours,
      List<Integer> thresholds,
      String action,
      @Nullable String webhookUrl) {}

  record StatusView(
      String budgetId,
      String subject,
      String measure,
      BigDecimal limit,
      @Nullable String currency,
      BigDecimal spent,
      BigDecimal remaining,
      BigDecimal percentUsed,
      List<Integer> reached,
      String windowStart,
      String windowEnd,
      String action,
      boolean blocking) {}

  record AlertView(
      String alertId,
      String budgetId,
      String subject,
      int threshold,
      BigDecimal spent,
      BigDecimal limit,
      @Nullable String currency,
      String windowStart,
      String windowEnd,
      String firedAt,
      int attempts,
      @Nullable String deliveredAt,
      @Nullable String lastError) {}

  static Budget toBudget(String id, BudgetRequest r) {
    if (r.subject() == null || r.subject().isBlank()) {
      throw ApiException.badRequest(
          "subject is required: a user id, \"*\" for everyone, or \"key:<keyId>\" for an API key");
    }
    if (r.limit() == null) {
      throw ApiException.badRequest("limit is required");
    }
    Budget.Measure measure = parse(Budget.Measure.class, "measure", r.measure(), "TOKENS");
    Budget.Action action = parse(Budget.Action.class, "action", r.action(), "ALERT_ONLY");
    Budget.Webhook webhook =
        r.webhook() == null ? null : new Budget.Webhook(r.webhook().url(), r.webhook().secret());
    return new Budget(
        id,
        r.subject(),
        measure,
        r.limit(),
        measure == Budget.Measure.COST && r.currency() == null ? "USD" : r.currency(),
        window(r),
        r.thresholds() == null ? List.of() : r.thresholds(),
        action,
        webhook);
  }

  private static BudgetWindow window(BudgetRequest r) {
    String kind = r.window() == null ? "DAY" : r.window().toUpperCase(Locale.ROOT);
    if (kind.equals("ROLLING")) {
      if (r.hours() == null || r.hours() < 1 || r.hours() > 24 * 366) {
        throw ApiException.badRequest(
            "hours must be between 1 and 8784 for a ROLLING window, was " + r.hours());
      }
      return BudgetWindow.rollingHours(r.hours());
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(r.timeZone() == null ? "UTC" : r.timeZone());
    } catch (DateTimeException e) {
      throw ApiException.badRequest("timeZone is not a known zone: '" + r.timeZone() + "'");
    }
    return switch (kind) {
      case "DAY" -> BudgetWindow.day(zone);
      case "WEEK" -> BudgetWindow.week(zone);
      case "MONTH" -> BudgetWindow.month(zone);
      default ->
          throw ApiException.badRequest(
              "window must be DAY, WEEK, MONTH or ROLLING, was '" + r.window() + "'");
    };
  }

  private static <E extends Enum<E>> E parse(
      Class<E> type, String field, @Nullable String value, String fallback) {
    String text = value == null ? fallback : value.toUpperCase(Locale.ROOT);
    try {
      return Enum.valueOf(type, text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          field + " must be one of " + List.of(type.getEnumConstants()) + ", was '" + value + "'");
    }
  }

  static BudgetView view(Budget b) {
    String window;
    String zone = null;
    Integer hours = null;
    if (b.window() instanceof BudgetWindow.Calendar calendar) {
      window = calendar.unit().name();
      zone = calendar.zone().getId();
    } else {
      window = "ROLLING";
      hours = (int) ((BudgetWindow.Rolling) b.window()).length().toHours();
    }
    return new BudgetView(
        b.id(),
        b.subject(),
        b.measure().name(),
        b.limit(),
        b.currency(),
        window,
        zone,
        hours,
        b.thresholds(),
        b.action().name(),
        b.webhook() == null ? null : b.webhook().url());
  }

  static StatusView status(BudgetStatus s) {
    Budget b = s.budget();
    return new StatusView(
        b.id(),
        b.subject(),
        b.measure().name(),
        b.limit(),
        b.currency(),
        s.spent(),
        s.remaining(),
        s.percentUsed(),
        s.reached(),
        s.window().start().toString(),
        s.window().end().toString(),
        b.action().name(),
        s.blocking());
  }

  static AlertView alert(AlertOutbox.Entry e) {
    var a = e.alert();
    return new AlertView(
        a.id(),
        a.budgetId(),
        a.subject(),
        a.threshold(),
        a.spent(),
        a.limit(),
        a.currency(),
        a.windowStart().toString(),
        a.windowEnd().toString(),
        a.firedAt().toString(),
        e.attempts(),
        e.deliveredAt() == null ? null : e.deliveredAt().toString(),
        e.lastError());
  }
}
