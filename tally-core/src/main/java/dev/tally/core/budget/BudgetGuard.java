package dev.tally.core.budget;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The check before a business call: is the subject over a budget whose action is {@link
 * Budget.Action#BLOCK}? Spend comes from the ledger, so the check is as fresh as the last stored
 * batch.
 *
 * <p><b>Overshoot bound.</b> A request is admitted while spend is below the limit. Requests that
 * are admitted at the same time, or completed but not yet stored (at most the pipeline's flush
 * interval plus one export), are not yet in the spend: a subject can overshoot by at most the usage
 * of its requests in flight plus those completed within the ingest lag.
 */
public final class BudgetGuard {
  private final BudgetRepository budgets;
  private final BudgetEvaluator evaluator;
  private final Clock clock;

  public BudgetGuard(BudgetRepository budgets, BudgetEvaluator evaluator, Clock clock) {
    this.budgets = budgets;
    this.evaluator = evaluator;
    this.clock = clock;
  }

  /** The first blocking budget the subject is over, if any. */
  public Optional<Refusal> check(String subject) {
    for (Budget budget : budgets.all()) {
      if (budget.action() != Budget.Action.BLOCK || !budget.covers(subject)) {
        continue;
      }
      BudgetStatus status = evaluator.status(budget);
      if (status.blocking()) {
        return Optional.of(
            new Refusal(status, BudgetEvaluator.untilReset(status, clock.instant())));
      }
    }
    return Optional.empty();
  }

  /**
   * A refused request: the budget it is over and how long until the window resets (the value of a
   * {@code Retry-After} header, rounded up to whole seconds).
   */
  public record Refusal(BudgetStatus status, Duration retryAfter) {
    public long retryAfterSeconds() {
      long seconds = retryAfter.toSeconds();
      return retryAfter.toNanosPart() > 0 || seconds == 0 ? seconds + 1 : seconds;
    }
  }
}
