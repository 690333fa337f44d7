package dev.tally.server.chat;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.budget.BudgetStatus;
import dev.tally.core.event.Cost;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.server.budget.BudgetExceededException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The blocking budgets of one running stream: what each had left when the stream started, against
 * which the stream's own tokens so far are checked.
 */
final class StreamBudget {
  private final List<BudgetStatus> blocking;
  private final PriceCatalog prices;
  private final Clock clock;
  private final Instant startedAt;

  private StreamBudget(List<BudgetStatus> blocking, PriceCatalog prices, Clock clock) {
    this.blocking = blocking;
    this.prices = prices;
    this.clock = clock;
    this.startedAt = clock.instant();
  }

  /** The blocking budgets covering {@code subject} now; none when budgets are off. */
  static StreamBudget start(
      @Nullable BudgetEvaluator evaluator, String subject, PriceCatalog prices, Clock clock) {
    List<BudgetStatus> blocking =
        evaluator == null
            ? List.of()
            : evaluator.statusesFor(subject).stream()
                .filter(s -> s.budget().action() == Budget.Action.BLOCK)
                .toList();
    return new StreamBudget(blocking, prices, clock);
  }

  /**
   * Throws {@link Crossed} when the stream's tokens so far use up what a blocking budget had left.
   */
  void check(TokenUsage sofar, String model) {
    if (blocking.isEmpty()) {
      return;
    }
    for (BudgetStatus status : blocking) {
      Budget budget = status.budget();
      BigDecimal used;
      if (budget.measure() == Budget.Measure.TOKENS) {
        used = BigDecimal.valueOf(sofar.total());
      } else {
        Cost cost = prices.cost(model, startedAt, sofar);
        BigDecimal amount = cost.amount();
        if (amount == null || !budget.currency().equals(cost.currency())) {
          continue; // an unpriced stream spends nothing of a cost budget, as in the ledger
        }
        used = amount;
      }
      if (used.compareTo(status.remaining()) >= 0) {
        BigDecimal spent = status.spent().add(used);
        BudgetStatus now =
            new BudgetStatus(
                budget, status.window(), spent, BigDecimal.ZERO, budget.reachedThresholds(spent));
        Duration retryAfter = Duration.between(clock.instant(), status.window().end());
        throw new Crossed(
            new BudgetExceededException(
                new BudgetGuard.Refusal(
                    now, retryAfter.isNegative() ? Duration.ZERO : retryAfter)));
      }
    }
  }

  /** A running stream used up a blocking budget. */
  static final class Crossed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient BudgetExceededException refusal;

    Crossed(BudgetExceededException refusal) {
      super(refusal.getMessage(), refusal, false, false);
      this.refusal = refusal;
    }

    BudgetExceededException refusal() {
      return refusal;
    }

    String budgetId() {
      return refusal.refusal().status().budget().id();
    }
  }
}
