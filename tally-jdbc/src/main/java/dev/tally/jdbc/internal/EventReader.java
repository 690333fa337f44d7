package dev.tally.jdbc.internal;

import dev.tally.core.ContentSummary;
import dev.tally.core.Cost;
import dev.tally.core.ErrorInfo;
import dev.tally.core.Outcome;
import dev.tally.core.TokenUsage;
import dev.tally.core.UsageContext;
import dev.tally.core.UsageEvent;
import dev.tally.core.UsageSource;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Lists raw events with keyset pagination on {@code (occurred_at_ns, id)}: the cursor holds the
 * last position seen, so pages never skip or repeat rows whatever is inserted meanwhile.
 */
public final class EventReader {
  private static final String CURSOR_PREFIX = "t1:";

  private EventReader() {}

  public static EventPage page(Connection c, EventQuery q) throws SQLException {
    long from = ReportEngine.clampedNanos(q.from());
    long to = ReportEngine.clampedNanos(q.to());
    Position after = q.cursor() == null ? null : decode(q.cursor());
    StringBuilder sql =
        new StringBuilder(
            "SELECT e.id, e.occurred_at_ns, e.operation, e.subject, e.user_email, e.session_id,"
                + " e.tenant, e.model, e.provider, e.input_tokens, e.cached_input_tokens,"
                + " e.cache_write_tokens, e.output_tokens, e.reasoning_tokens, e.token_source,"
                + " e.duration_ns, e.outcome, e.error_type, e.error_message, e.attributes,"
                + " e.trace_id, e.input_length, e.output_length, c.input_text, c.output_text,"
                + " e.cost, e.currency, e.price_version"
                + " FROM tally_event e LEFT JOIN tally_event_content c ON c.id = e.id"
                + " WHERE e.occurred_at_ns >= ? AND e.occurred_at_ns < ?");
    // A missing model is stored as NULL in raw rows; "" filters for it, as in reports.
    ReportEngine.appendConditions(sql, q.filters(), q.exclusions(), true, "e.");
    if (after != null) {
      sql.append(
          q.newestFirst()
              ? " AND (e.occurred_at_ns < ? OR (e.occurred_at_ns = ? AND e.id < ?))"
              : " AND (e.occurred_at_ns > ? OR (e.occurred_at_ns = ? AND e.id > ?))");
    }
    sql.append(
        q.newestFirst()
            ? " ORDER BY e.occurred_at_ns DESC, e.id DESC LIMIT ?"
            : " ORDER BY e.occurred_at_ns, e.id LIMIT ?");
    List<UsageEvent> events = new ArrayList<>();
    boolean more = false;
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int p = 1;
      ps.setLong(p++, from);
      ps.setLong(p++, to);
      p = ReportEngine.bindConditions(ps, p, q.filters(), q.exclusions());
      if (after != null) {
        ps.setLong(p++, after.occurredAtNs());
        ps.setLong(p++, after.occurredAtNs());
        ps.setString(p++, after.id());
      }
      ps.setInt(p, q.limit() + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (events.size() == q.limit()) {
            more = true;
            break;
          }
          events.add(map(rs));
        }
      }
    }
    String next = null;
    if (more) {
      UsageEvent last = events.get(events.size() - 1);
      next = encode(new Position(EventRow.epochNanos("occurredAt", last.occurredAt()), last.id()));
    }
    return new EventPage(events, next);
  }

  static UsageEvent map(ResultSet rs) throws SQLException {
    int i = 1;
    String id = rs.getString(i++);
    long at = rs.getLong(i++);
    String operation = rs.getString(i++);
    String subject = rs.getString(i++);
    String userEmail = rs.getString(i++);
    String sessionId = rs.getString(i++);
    String tenant = rs.getString(i++);
    String model = rs.getString(i++);
    String provider = rs.getString(i++);
    long input = rs.getLong(i++);
    long cachedInput = rs.getLong(i++);
    long cacheWrite = rs.getLong(i++);
    long output = rs.getLong(i++);
    long reasoning = rs.getLong(i++);
    UsageSource source = UsageSource.valueOf(rs.getString(i++));
    long durationNs = rs.getLong(i++);
    Outcome outcome = Outcome.valueOf(rs.getString(i++));
    String errorType = rs.getString(i++);
    String errorMessage = rs.getString(i++);
    String attributes = rs.getString(i++);
    String traceId = rs.getString(i++);
    int inputLength = rs.getInt(i++);
    int outputLength = rs.getInt(i++);
    String inputText = rs.getString(i++);
    String outputText = rs.getString(i++);
    String cost = rs.getString(i++);
    String currency = rs.getString(i++);
    String priceVersion = rs.getString(i);
    return new UsageEvent(
        id,
        EventRow.instantOf(at),
        operation,
        new UsageContext(
            subject,
            userEmail,
            sessionId,
            tenant,
            model,
            provider,
            AttributesCodec.decode(attributes)),
        new TokenUsage(input, cachedInput, cacheWrite, output, reasoning, source),
        cost(cost, currency, priceVersion),
        Duration.ofNanos(durationNs),
        outcome,
        errorType == null ? null : new ErrorInfo(errorType, errorMessage),
        traceId,
        new ContentSummary(inputLength, outputLength, inputText, outputText));
  }

  /**
   * The typed cost of a row. A row written before costs were typed may hold a currency that is not
   * an ISO code; it lists as unpriced, while reports still sum it under its currency.
   */
  private static Cost cost(
      @Nullable String amount, @Nullable String currency, @Nullable String priceVersion) {
    if (amount == null || currency == null) {
      return Cost.unpriced();
    }
    try {
      return Cost.of(new BigDecimal(amount), currency, priceVersion);
    } catch (IllegalArgumentException legacy) {
      return Cost.unpriced();
    }
  }

  private record Position(long occurredAtNs, String id) {}

  private static String encode(Position p) {
    String plain = CURSOR_PREFIX + p.occurredAtNs() + ":" + p.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  private static Position decode(String cursor) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (plain.startsWith(CURSOR_PREFIX)) {
        int colon = plain.indexOf(':', CURSOR_PREFIX.length());
        if (colon > 0) {
          long at = Long.parseLong(plain.substring(CURSOR_PREFIX.length(), colon));
          return new Position(at, plain.substring(colon + 1));
        }
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below; NumberFormatException is an IllegalArgumentException
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
