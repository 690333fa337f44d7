package dev.tally.jdbc.internal;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
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

  public static EventPage page(Connection c, EventQuery q, Codes codes) throws SQLException {
    long from = ReportEngine.clampedNanos(q.from());
    long to = ReportEngine.clampedNanos(q.to());
    Position after = q.cursor() == null ? null : decode(q.cursor());
    Conditions conditions = Conditions.of(c, codes, q.filters(), q.exclusions(), "e.");
    StringBuilder sql =
        new StringBuilder(
            "SELECT e.id, e.occurred_at_ns, e.operation, e.subject, e.model, e.provider,"
                + " e.input_tokens, e.cached_input_tokens, e.cache_write_tokens, e.output_tokens,"
                + " e.reasoning_tokens, e.token_source, e.duration_ns, e.outcome, e.cold,"
                + " c.input_text, c.output_text, e.currency, e.price_version"
                + " FROM tally_event e LEFT JOIN tally_event_content c ON c.id = e.id"
                + " WHERE e.occurred_at_ns >= ? AND e.occurred_at_ns < ?");
    sql.append(conditions.sql());
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
      p = conditions.bind(ps, p);
      if (after != null) {
        ps.setLong(p++, after.occurredAtNs());
        ps.setLong(p++, after.occurredAtNs());
        ps.setBytes(p++, EventIds.encode(after.id()));
      }
      ps.setInt(p, q.limit() + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (events.size() == q.limit()) {
            more = true;
            break;
          }
          events.add(map(rs, c, codes));
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

  private static @Nullable String orNull(String v) {
    return v.isEmpty() ? null : v;
  }

  static UsageEvent map(ResultSet rs, Connection c, Codes codes) throws SQLException {
    int i = 1;
    String id = EventIds.decode(rs.getBytes(i++));
    long at = rs.getLong(i++);
    String operation = codes.value(c, Codes.OPERATION, rs.getInt(i++));
    String subject = rs.getString(i++);
    String model = orNull(codes.value(c, Codes.MODEL, rs.getInt(i++)));
    String provider = orNull(codes.value(c, Codes.PROVIDER, rs.getInt(i++)));
    long input = rs.getLong(i++);
    long cachedInput = rs.getLong(i++);
    long cacheWrite = rs.getLong(i++);
    long output = rs.getLong(i++);
    long reasoning = rs.getLong(i++);
    UsageSource source = Codes.source(rs.getInt(i++));
    long durationNs = rs.getLong(i++);
    Outcome outcome = Codes.outcome(rs.getInt(i++));
    ColdFields cold = ColdFields.unpack(rs.getBytes(i++));
    String inputText = rs.getString(i++);
    String outputText = rs.getString(i++);
    String currency = orNull(codes.value(c, Codes.CURRENCY, rs.getInt(i++)));
    String priceVersion = orNull(codes.value(c, Codes.PRICE_VERSION, rs.getInt(i)));
    String cost = cold.cost();
    return new UsageEvent(
        id,
        EventRow.instantOf(at),
        operation,
        new UsageContext(
            subject,
            cold.userEmail(),
            cold.sessionId(),
            cold.tenant(),
            model,
            provider,
            cold.attributes()),
        new TokenUsage(input, cachedInput, cacheWrite, output, reasoning, source),
        cost(cost, currency, priceVersion),
        Duration.ofNanos(durationNs),
        outcome,
        cold.errorType() == null ? null : new ErrorInfo(cold.errorType(), cold.errorMessage()),
        cold.traceId(),
        new ContentSummary(cold.inputLength(), cold.outputLength(), inputText, outputText));
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
