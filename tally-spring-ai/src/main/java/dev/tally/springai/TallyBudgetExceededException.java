package dev.tally.springai;

import dev.tally.core.budget.BudgetGuard;
import java.time.Duration;

/**
 * Thrown by a {@code ChatClient} call (or signalled by its stream) when the caller is over a
 * blocking budget: the call is refused before it reaches the model, so nothing is spent. Map it to
 * HTTP 429 with a {@code Retry-After} of {@link #retryAfterSeconds()}:
 *
 * <pre>{@code
 * @ExceptionHandler(TallyBudgetExceededException.class)
 * ResponseEntity<ProblemDetail> overBudget(TallyBudgetExceededException e) {
 *   return ResponseEntity.status(429).header("Retry-After", "" + e.retryAfterSeconds())
 *       .body(ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, e.getMessage()));
 * }
 * }</pre>
 */
public final class TallyBudgetExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String subject;
  private final String budgetId;
  private final long retryAfterSeconds;

  public TallyBudgetExceededException(String subject, BudgetGuard.Refusal refusal) {
    super(
        "budget '"
            + refusal.status().budget().id()
            + "' is exhausted for subject '"
            + subject
            + "'; retry after "
            + refusal.retryAfterSeconds()
            + " s");
    this.subject = subject;
    this.budgetId = refusal.status().budget().id();
    this.retryAfterSeconds = refusal.retryAfterSeconds();
  }

  /** The subject whose budget is exhausted. */
  public String subject() {
    return subject;
  }

  /** The id of the exhausted blocking budget. */
  public String budgetId() {
    return budgetId;
  }

  /** Whole seconds until the budget's window resets (for a {@code Retry-After} header). */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** {@link #retryAfterSeconds()} as a duration. */
  public Duration retryAfter() {
    return Duration.ofSeconds(retryAfterSeconds);
  }
}
