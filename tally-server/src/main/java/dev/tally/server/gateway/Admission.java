package dev.tally.server.gateway;

import dev.tally.core.budget.BudgetGuard;
import dev.tally.server.auth.Caller;
import jakarta.servlet.http.HttpServletResponse;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;

/**
 * The checks before an upstream is called: the caller's blocking budgets, the key's ({@link
 * KeyBudgets}), then the rate limits of the key and the user. A refusal is a 429 with {@code
 * Retry-After}; every answer carries the {@code x-ratelimit-*} headers as OpenAI sends them (for
 * the tighter of the key's and the user's limits) when a limit is configured.
 */
final class Admission {
  private final ObjectProvider<BudgetGuard> budgets;
  private final RateLimits limits;
  private final KeyBudgets keyBudgets;

  /**
   * The guard, looked up once: a bean lookup by type per request cost about a tenth of the
   * gateway's CPU per request (profiled).
   */
  private volatile @Nullable Optional<BudgetGuard> guard;

  Admission(ObjectProvider<BudgetGuard> budgets, KeyBudgets keyBudgets, RateLimits limits) {
    this.budgets = budgets;
    this.keyBudgets = keyBudgets;
    this.limits = limits;
  }

  private @Nullable BudgetGuard guard() {
    Optional<BudgetGuard> found = guard;
    if (found == null) {
      found = Optional.ofNullable(budgets.getIfAvailable());
      guard = found;
    }
    return found.orElse(null);
  }

  /**
   * Admits a request or throws.
   *
   * @throws GatewayException 429 over a budget or a rate limit
   */
  void admit(GatewayExchange exchange, HttpServletResponse response) {
    Caller caller = exchange.caller();
    BudgetGuard guard = guard();
    if (guard != null) {
      BudgetGuard.Refusal refusal = guard.check(caller.subject()).orElse(null);
      if (refusal != null) {
        throw overBudget(refusal, "You exceeded your budget '");
      }
    }
    BudgetGuard.Refusal keyRefusal = keyBudgets.check(exchange.keyId()).orElse(null);
    if (keyRefusal != null) {
      throw overBudget(keyRefusal, "Your API key exceeded its budget '");
    }
    RateLimits.Admission admission = limits.admit(caller.subject(), exchange.keyId());
    Map<String, String> headers = headers(admission);
    headers.forEach(response::setHeader);
    if (!admission.allowed()) {
      RateLimits.State state =
          "tokens".equals(admission.refused()) ? admission.tokens() : admission.requests();
      long seconds = Math.max(1, (admission.retryAfterNanos() + 999_999_999L) / 1_000_000_000L);
      headers.put("Retry-After", Long.toString(seconds));
      String what =
          "tokens".equals(admission.refused()) ? "tokens per min (TPM)" : "requests per min (RPM)";
      throw new GatewayException(
          HttpStatus.TOO_MANY_REQUESTS,
          "Rate limit reached for "
              + what
              + ": Limit "
              + (state == null ? 0 : state.limit())
              + ", Remaining "
              + (state == null ? 0 : Math.max(0, state.remaining()))
              + ". Please try again in "
              + duration(admission.retryAfterNanos())
              + ".",
          admission.refused(),
          "rate_limit_exceeded",
          headers);
    }
  }

  /**
   * A 429 over a budget, {@code insufficient_quota} as OpenAI answers a used-up quota (the SDKs
   * raise their rate-limit error), with {@code Retry-After} until the window resets.
   */
  static GatewayException overBudget(BudgetGuard.Refusal refusal, String lead) {
    return new GatewayException(
        HttpStatus.TOO_MANY_REQUESTS,
        lead
            + refusal.status().budget().id()
            + "': "
            + refusal.status().spent().toPlainString()
            + " of "
            + refusal.status().budget().limit().toPlainString()
            + (refusal.status().budget().currency() == null
                ? " tokens"
                : " " + refusal.status().budget().currency())
            + " used until "
            + refusal.status().window().end()
            + ".",
        "insufficient_quota",
        "insufficient_quota",
        Map.of("Retry-After", Long.toString(refusal.retryAfterSeconds())));
  }

  /** Takes an answer's tokens from the rate limits. */
  void used(GatewayExchange exchange, long tokens) {
    limits.used(exchange.caller().subject(), exchange.keyId(), tokens);
  }

  private static Map<String, String> headers(RateLimits.Admission admission) {
    Map<String, String> headers = new LinkedHashMap<>();
    put(headers, "requests", admission.requests());
    put(headers, "tokens", admission.tokens());
    return headers;
  }

  private static void put(Map<String, String> headers, String what, RateLimits.@Nullable State s) {
    if (s == null) {
      return;
    }
    headers.put("x-ratelimit-limit-" + what, Long.toString(s.limit()));
    headers.put("x-ratelimit-remaining-" + what, Long.toString(Math.max(0, s.remaining())));
    headers.put("x-ratelimit-reset-" + what, duration(s.resetNanos()));
  }

  /** A duration as OpenAI writes it: {@code 20ms}, {@code 1s}, {@code 1.5s}, {@code 6m0s}. */
  static String duration(long nanos) {
    if (nanos < 1_000_000_000L) {
      return Math.max(0, (nanos + 999_999) / 1_000_000) + "ms";
    }
    Duration d = Duration.ofNanos(nanos);
    long minutes = d.toMinutes();
    BigDecimal seconds =
        BigDecimal.valueOf(d.minusMinutes(minutes).toMillis(), 3)
            .setScale(3, RoundingMode.UP)
            .stripTrailingZeros();
    String s = seconds.scale() < 0 ? seconds.setScale(0).toPlainString() : seconds.toPlainString();
    return (minutes > 0 ? minutes + "m" : "") + s.toLowerCase(Locale.ROOT) + "s";
  }
}
