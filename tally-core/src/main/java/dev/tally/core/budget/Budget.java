package dev.tally.core.budget;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A limit on what a subject may use in a window.
 *
 * @param id unique name of the budget
 * @param subject a user id, or {@link #EVERYONE} for all subjects combined
 * @param measure cost (in {@code currency}) or tokens
 * @param limit the amount allowed per window, > 0
 * @param currency ISO 4217 code when the measure is COST, null for TOKENS
 * @param window the period the limit applies to
 * @param thresholds percentages of the limit that fire an alert, ascending, each in 1..1000
 * @param action what happens at 100 %
 * @param webhook where alerts are sent, if anywhere
 */
public record Budget(
    String id,
    String subject,
    Measure measure,
    BigDecimal limit,
    @Nullable String currency,
    BudgetWindow window,
    List<Integer> thresholds,
    Action action,
    @Nullable Webhook webhook) {

  /** The subject of a budget that covers everyone combined. */
  public static final String EVERYONE = "*";

  /** The thresholds used when none are given. */
  public static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);

  public Budget {
    if (id == null || !id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "id must be 1-64 letters, digits, '.', '_' or '-', was \"" + id + "\"");
    }
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank, was \"" + subject + "\"");
    }
    Objects.requireNonNull(measure, "measure must not be null");
    if (limit == null || limit.signum() <= 0) {
      throw new IllegalArgumentException("limit must be > 0, was " + limit);
    }
    if (measure == Measure.COST && (currency == null || !currency.matches("[A-Z]{3}"))) {
      throw new IllegalArgumentException(
          "currency must be a 3-letter ISO 4217 code for a COST budget, was \"" + currency + "\"");
    }
    if (measure == Measure.TOKENS) {
      currency = null;
    }
    Objects.requireNonNull(window, "window must not be null");
    thresholds =
        thresholds == null || thresholds.isEmpty() ? DEFAULT_THRESHOLDS : List.copyOf(thresholds);
    int previous = 0;
    for (int t : thresholds) {
      if (t < 1 || t > 1000 || t <= previous) {
        throw new IllegalArgumentException(
            "thresholds must be ascending percentages in 1..1000, was " + thresholds);
      }
      previous = t;
    }
    Objects.requireNonNull(action, "action must not be null");
  }

  /** Whether this budget covers {@code subject}. */
  public boolean covers(String candidate) {
    return subject.equals(EVERYONE) || subject.equals(candidate);
  }

  /** The thresholds reached by {@code spent}, ascending. */
  public List<Integer> reachedThresholds(BigDecimal spent) {
    return thresholds.stream()
        .filter(
            t ->
                spent
                        .multiply(BigDecimal.valueOf(100))
                        .compareTo(limit.multiply(BigDecimal.valueOf(t)))
                    >= 0)
        .toList();
  }

  /** Whether {@code spent} is at or over the limit. */
  public boolean exhaustedBy(BigDecimal spent) {
    return spent.compareTo(limit) >= 0;
  }

  /** What a budget limits. */
  public enum Measure {
    COST,
    TOKENS
  }

  /** What happens when spend reaches 100 %. */
  public enum Action {
    /** Alerts only; requests go on. */
    ALERT_ONLY,
    /** Requests from the subject are refused until the window resets. */
    BLOCK
  }

  /**
   * Where alerts of a budget are sent; every delivery is signed with {@code secret}.
   *
   * @param url an http or https URL
   * @param secret the HMAC key, at least 16 characters
   */
  public record Webhook(String url, String secret) {
    public Webhook {
      if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
        throw new IllegalArgumentException(
            "webhook.url must be an http(s) URL, was \"" + url + "\"");
      }
      if (secret == null || secret.length() < 16) {
        throw new IllegalArgumentException(
            "webhook.secret must be at least 16 characters, was "
                + (secret == null ? "null" : secret.length() + " characters"));
      }
    }

    @Override
    public String toString() {
      return "Webhook[url=" + url + ", secret=***]";
    }
  }
}
