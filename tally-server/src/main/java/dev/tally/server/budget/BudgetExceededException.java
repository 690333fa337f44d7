package dev.tally.server.budget;

import dev.tally.core.budget.BudgetGuard;
import dev.tally.server.web.ApiException;
import org.springframework.http.HttpStatus;

/** A request refused because its subject is over a blocking budget: 429 with Retry-After. */
public final class BudgetExceededException extends ApiException {
  private static final long serialVersionUID = 1L;

  private final transient BudgetGuard.Refusal refusal;

  public BudgetExceededException(BudgetGuard.Refusal refusal) {
    super(
        HttpStatus.TOO_MANY_REQUESTS,
        "budget '"
            + refusal.status().budget().id()
            + "' is used up: "
            + refusal.status().spent().toPlainString()
            + " of "
            + refusal.status().budget().limit().toPlainString()
            + " "
            + unit(refusal)
            + " until "
            + refusal.status().window().end());
    this.refusal = refusal;
  }

  public BudgetGuard.Refusal refusal() {
    return refusal;
  }

  private static String unit(BudgetGuard.Refusal refusal) {
    String currency = refusal.status().budget().currency();
    return currency == null ? "tokens" : currency;
  }
}
