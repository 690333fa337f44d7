package dev.tally.server.usage;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.GroupField;
import dev.tally.core.query.Money;
import dev.tally.core.query.UsageMeasures;
import dev.tally.core.query.UsageRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The JSON shapes of the usage API. */
final class UsageViews {
  private UsageViews() {}

  /**
   * What happened in a bucket (or in total). {@code cost} is the exact sum of priced events; {@code
   * unpriced} counts events without a price (their cost is unknown, never zero) and {@code
   * tokensMissing} events whose token usage is unknown.
   */
  record Measures(
      long requests,
      long errors,
      long inputTokens,
      long cachedInputTokens,
      long cacheWriteTokens,
      long outputTokens,
      long reasoningTokens,
      long totalTokens,
      long tokensMissing,
      @Nullable String cost,
      @Nullable String currency,
      long unpriced,
      @Nullable Long durationP95Ms) {

    static final Measures NONE = new Measures(0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, 0, null);

    static Measures of(UsageMeasures m) {
      Money money = m.cost().isEmpty() ? null : m.cost().get(0);
      return new Measures(
          m.requests(),
          m.errors(),
          m.tokens().input(),
          m.tokens().cachedInput(),
          m.tokens().cacheWrite(),
          m.tokens().output(),
          m.tokens().reasoning(),
          m.tokens().total(),
          m.tokensMissing(),
          money == null ? null : money.amount().toPlainString(),
          money == null ? null : money.currency(),
          m.unpriced(),
          m.requests() == 0 ? null : m.duration().p95().toMillis());
    }
  }

  /** One bucket of the series: its bounds, its group and (flattened) its measures. */
  record Point(
      Instant start, Instant end, Map<String, String> group, @JsonUnwrapped Measures measures) {
    static Point of(UsageRow row) {
      return new Point(
          row.start(), row.end(), UsageViews.group(row.group()), Measures.of(row.measures()));
    }
  }

  /**
   * A report: totals over the range, and the series by window and group, read from one snapshot.
   * {@code excludedOperations} names what the report leaves out (the HTTP middleware's request
   * events, unless an {@code operation} was asked for); {@code httpRequests} counts those events
   * apart, null when an operation was asked for.
   */
  record Report(
      @Nullable String subject,
      Instant from,
      Instant to,
      String window,
      String tz,
      List<String> groupBy,
      List<String> excludedOperations,
      Measures totals,
      @Nullable Long httpRequests,
      List<Point> series) {}

  /**
   * One raw event. {@code cost} is the exact amount as a decimal string with its {@code currency}
   * and {@code priceVersion}; all three are null and {@code priced} is false when the event is
   * unpriced (its cost is unknown, never zero).
   */
  record EventView(
      String id,
      Instant occurredAt,
      String operation,
      String subject,
      @Nullable String sessionId,
      @Nullable String model,
      @Nullable String provider,
      Map<String, Object> tokens,
      @Nullable String cost,
      @Nullable String currency,
      boolean priced,
      @Nullable String priceVersion,
      long durationMs,
      String outcome,
      @Nullable String errorType,
      @Nullable String errorMessage,
      Map<String, String> attributes,
      @Nullable String traceId) {
    static EventView of(UsageEvent e) {
      Map<String, Object> tokens = new LinkedHashMap<>();
      tokens.put("input", e.tokens().input());
      tokens.put("cachedInput", e.tokens().cachedInput());
      tokens.put("cacheWrite", e.tokens().cacheWrite());
      tokens.put("output", e.tokens().output());
      tokens.put("reasoning", e.tokens().reasoning());
      tokens.put("total", e.tokens().total());
      tokens.put("source", e.tokens().source().name());
      return new EventView(
          e.id(),
          e.occurredAt(),
          e.operation(),
          e.subject(),
          e.sessionId(),
          e.model(),
          e.provider(),
          tokens,
          e.cost().amount() == null ? null : e.cost().amount().toPlainString(),
          e.cost().currency(),
          e.cost().isPriced(),
          e.cost().priceVersion(),
          e.duration().toMillis(),
          e.outcome().name(),
          e.error() == null ? null : e.error().type(),
          e.error() == null ? null : e.error().message(),
          e.attributes(),
          e.traceId());
    }

    /**
     * The event as its own user sees it: a stable error code ({@link ErrorCodes}) instead of the
     * stored type, and no message for an error the server did not expect.
     */
    EventView forUser() {
      if (errorType == null) {
        return this;
      }
      String code = ErrorCodes.code(errorType);
      String message = ErrorCodes.INTERNAL_ERROR.equals(code) ? null : errorMessage;
      return new EventView(
          id,
          occurredAt,
          operation,
          subject,
          sessionId,
          model,
          provider,
          tokens,
          cost,
          currency,
          priced,
          priceVersion,
          durationMs,
          outcome,
          code,
          message,
          attributes,
          traceId);
    }
  }

  /** A page of raw events; pass {@code nextCursor} as {@code cursor} for the next page. */
  record EventsPage(List<EventView> events, @Nullable String nextCursor) {
    /** The page as the events' own user sees it: see {@link EventView#forUser()}. */
    EventsPage forUser() {
      return new EventsPage(events.stream().map(EventView::forUser).toList(), nextCursor);
    }
  }

  static Map<String, String> group(Map<GroupField, String> group) {
    Map<String, String> out = new LinkedHashMap<>();
    group.forEach((k, v) -> out.put(k.name().toLowerCase(Locale.ROOT), v));
    return out;
  }
}
