package dev.tally.core.budget;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One threshold of one budget reached in one window. Its id is derived from the budget, the window
 * start and the threshold, so the same crossing always has the same id: evaluating again, after a
 * restart or a replay, can never fire it twice, and a receiver can drop a redelivery by id.
 */
public record Alert(
    String id,
    String budgetId,
    String subject,
    int threshold,
    Budget.Measure measure,
    BigDecimal spent,
    BigDecimal limit,
    @Nullable String currency,
    Instant windowStart,
    Instant windowEnd,
    Instant firedAt) {

  /** The id of the alert for {@code threshold} of {@code budgetId} in the window starting then. */
  public static String idFor(String budgetId, Instant windowStart, int threshold) {
    String key = budgetId + "|" + windowStart.toEpochMilli() + "|" + threshold;
    return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** The alert body sent to webhooks, as JSON. */
  public String toJson() {
    StringBuilder json = new StringBuilder(256);
    json.append('{');
    field(json, "alertId", id).append(',');
    field(json, "budgetId", budgetId).append(',');
    field(json, "subject", subject).append(',');
    json.append("\"threshold\":").append(threshold).append(',');
    field(json, "measure", measure.name()).append(',');
    json.append("\"spent\":\"").append(spent.toPlainString()).append("\",");
    json.append("\"limit\":\"").append(limit.toPlainString()).append("\",");
    if (currency != null) {
      field(json, "currency", currency).append(',');
    }
    field(json, "windowStart", windowStart.toString()).append(',');
    field(json, "windowEnd", windowEnd.toString()).append(',');
    field(json, "firedAt", firedAt.toString());
    return json.append('}').toString();
  }

  private static StringBuilder field(StringBuilder json, String name, String value) {
    json.append('"').append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append(String.format("\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"');
  }
}
