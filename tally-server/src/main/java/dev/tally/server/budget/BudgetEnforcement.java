package dev.tally.server.budget;

import dev.tally.core.budget.BudgetGuard;
import dev.tally.server.auth.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a chat request before the business call when its subject is over a blocking budget. Spend
 * comes from the ledger, so the bound on overshoot is the one documented on {@link BudgetGuard}:
 * the requests in flight plus those not yet stored.
 */
final class BudgetEnforcement implements HandlerInterceptor {
  private final BudgetGuard guard;

  BudgetEnforcement(BudgetGuard guard) {
    this.guard = guard;
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    Object caller = request.getAttribute(Caller.ATTRIBUTE);
    String subject = caller instanceof Caller c ? c.subject() : Caller.anonymous().subject();
    guard
        .check(subject)
        .ifPresent(
            refusal -> {
              throw new BudgetExceededException(refusal);
            });
    return true;
  }
}
