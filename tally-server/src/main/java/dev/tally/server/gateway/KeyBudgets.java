package dev.tally.server.gateway;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetStatus;
import dev.tally.core.budget.BudgetWindow;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The blocking budgets of an API key, checked before a gateway call. A key budget is an ordinary
 * budget (same API, windows, thresholds, alerts) whose subject is {@value #PREFIX} followed by the
 * key's public id, {@code key:key_0123456789abcdef}; user ids cannot contain {@code ':'}, so such a
 * subject never names a user. Its spend is the ledger's events carrying the key ({@link KeySpend}).
 * Budgets for everyone ({@code *}) are the user check's, not repeated here.
 *
 * <p>Kept apart from {@link Admission}'s other checks so that budget reservations can join or
 * replace it without touching the rate limits.
 */
final class KeyBudgets {
  /** The subject prefix of a key budget. */
  static final String PREFIX = "key:";

  private final ObjectProvider<BudgetRepository> repository;
  private final ObjectProvider<BudgetEvaluator> evaluator;
  private final Clock clock;

  /** Looked up once, as the guard in {@link Admission}. */
  private volatile @Nullable Optional<Parts> parts;

  private record Parts(BudgetRepository budgets, BudgetEvaluator evaluator) {}

  KeyBudgets(
      ObjectProvider<BudgetRepository> repository,
      ObjectProvider<BudgetEvaluator> evaluator,
      Clock clock) {
    this.repository = repository;
    this.evaluator = evaluator;
    this.clock = clock;
  }

  /** The subject of the budgets of a key. */
  static String subject(String keyId) {
    return PREFIX + keyId;
  }

  /** The key id a budget subject names, or null when it names a user or everyone. */
  static @Nullable String keyId(String subject) {
    return subject.startsWith(PREFIX) ? subject.substring(PREFIX.length()) : null;
  }

  /** The first blocking budget of the key that is used up, if any; none when budgets are off. */
  Optional<BudgetGuard.Refusal> check(String keyId) {
    Parts found = parts();
    if (found == null) {
      return Optional.empty();
    }
    String subject = subject(keyId);
    for (Budget budget : found.budgets().all()) {
      if (budget.action() != Budget.Action.BLOCK || !budget.subject().equals(subject)) {
        continue;
      }
      BudgetStatus status = found.evaluator().status(budget);
      if (status.blocking()) {
        return Optional.of(new BudgetGuard.Refusal(status, retryAfter(status)));
      }
    }
    return Optional.empty();
  }

  /** Until the window resets; a rolling window frees spend hour by hour (rollup granularity). */
  private Duration retryAfter(BudgetStatus status) {
    if (status.budget().window() instanceof BudgetWindow.Rolling) {
      return Duration.ofHours(1);
    }
    Duration left = Duration.between(clock.instant(), status.window().end());
    return left.isNegative() ? Duration.ZERO : left;
  }

  private @Nullable Parts parts() {
    Optional<Parts> found = parts;
    if (found == null) {
      BudgetRepository budgets = repository.getIfAvailable();
      BudgetEvaluator evaluation = evaluator.getIfAvailable();
      found =
          budgets == null || evaluation == null
              ? Optional.empty()
              : Optional.of(new Parts(budgets, evaluation));
      parts = found;
    }
    return found.orElse(null);
  }
}
