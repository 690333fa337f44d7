package dev.tally.server.gateway;

import dev.tally.core.event.Outcome;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.core.query.GroupField;
import dev.tally.jdbc.JdbcUsageStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The gateway view: the gateway's events of a range ({@code chat} and {@code embeddings} with a
 * {@value GatewayService#KEY_ATTRIBUTE}), read from the ledger's raw events and summed per model
 * and upstream and per key: requests, errors, cancelled, tokens, cost, latency. The key is an event
 * attribute, not a rollup dimension, so this reads raw events, at most {@value #MAX_EVENTS} per
 * view (then {@code truncated}); a store with the key as a dimension would answer from rollups.
 */
final class GatewayUsage {
  static final int MAX_EVENTS = 20_000;

  private final JdbcUsageStore store;

  GatewayUsage(JdbcUsageStore store) {
    this.store = store;
  }

  /** Sums of one group. */
  static final class Sums {
    long requests;
    long errors;
    long cancelled;
    long fallbacks;
    long inputTokens;
    long outputTokens;
    long totalTokens;
    final Map<String, BigDecimal> cost = new TreeMap<>();
    final List<Long> durations = new ArrayList<>();

    void add(UsageEvent e) {
      requests++;
      if (e.outcome() == Outcome.ERROR) {
        errors++;
      } else if (e.outcome() == Outcome.CANCELLED) {
        cancelled++;
      }
      if (e.attributes().containsKey(Attempt.FALLBACK_FROM)) {
        fallbacks++;
      }
      inputTokens += e.tokens().input() + e.tokens().cachedInput() + e.tokens().cacheWrite();
      outputTokens += e.tokens().output() + e.tokens().reasoning();
      totalTokens += e.tokens().total();
      BigDecimal amount = e.cost().amount();
      String currency = e.cost().currency();
      if (amount != null && currency != null) {
        cost.merge(currency, amount, BigDecimal::add);
      }
      durations.add(e.duration().toMillis());
    }

    Map<String, Object> view(Map<String, Object> group) {
      long[] sorted = durations.stream().mapToLong(Long::longValue).sorted().toArray();
      Map<String, Object> v = new LinkedHashMap<>(group);
      v.put("requests", requests);
      v.put("errors", errors);
      v.put("cancelled", cancelled);
      v.put("fallbacks", fallbacks);
      v.put("inputTokens", inputTokens);
      v.put("outputTokens", outputTokens);
      v.put("totalTokens", totalTokens);
      Map<String, String> costs = new LinkedHashMap<>();
      cost.forEach((c, a) -> costs.put(c, a.stripTrailingZeros().toPlainString()));
      v.put("cost", costs);
      v.put("latencyP50Ms", percentile(sorted, 0.50));
      v.put("latencyP95Ms", percentile(sorted, 0.95));
      return v;
    }
  }

  /** The view of a range, for one subject or (null) everyone, one key or (null) every key. */
  Map<String, Object> view(
      Instant from, Instant to, @Nullable String subject, @Nullable String keyId) {
    Map<List<String>, Sums> byModel = new TreeMap<>(GatewayUsage::compare);
    Map<List<String>, Sums> byKey = new TreeMap<>(GatewayUsage::compare);
    int read = 0;
    boolean truncated = false;
    for (String operation : new String[] {"chat", "embeddings"}) {
      String cursor = null;
      do {
        EventQuery.Builder query =
            EventQuery.builder(from, to)
                .filter(GroupField.OPERATION, operation)
                .limit(EventQuery.MAX_LIMIT)
                .cursor(cursor);
        if (subject != null) {
          query.filter(GroupField.SUBJECT, subject);
        }
        EventPage page = store.events(query.build());
        for (UsageEvent e : page.events()) {
          String key = e.attributes().get(GatewayService.KEY_ATTRIBUTE);
          if (key == null || keyId != null && !keyId.equals(key)) {
            continue; // a chat of /api/chat, not of the gateway; or another key's
          }
          String upstream =
              e.attributes().getOrDefault(Attempt.UPSTREAM, String.valueOf(e.provider()));
          byModel
              .computeIfAbsent(
                  List.of(operation, String.valueOf(e.model()), upstream), k -> new Sums())
              .add(e);
          byKey.computeIfAbsent(List.of(key, e.subject()), k -> new Sums()).add(e);
          read++;
        }
        cursor = page.nextCursor();
        if (read >= MAX_EVENTS) {
          truncated = cursor != null;
          break;
        }
      } while (cursor != null);
    }
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("from", from.toString());
    view.put("to", to.toString());
    view.put("events", read);
    view.put("truncated", truncated);
    List<Map<String, Object>> models = new ArrayList<>();
    byModel.forEach(
        (k, s) ->
            models.add(
                s.view(Map.of("operation", k.get(0), "model", k.get(1), "upstream", k.get(2)))));
    List<Map<String, Object>> keys = new ArrayList<>();
    byKey.forEach((k, s) -> keys.add(s.view(Map.of("keyId", k.get(0), "subject", k.get(1)))));
    models.sort(Comparator.comparing(m -> -((Long) m.get("requests"))));
    keys.sort(Comparator.comparing(m -> -((Long) m.get("requests"))));
    view.put("byModel", models);
    view.put("byKey", keys);
    return view;
  }

  private static int compare(List<String> a, List<String> b) {
    return Arrays.compare(a.toArray(String[]::new), b.toArray(String[]::new));
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
