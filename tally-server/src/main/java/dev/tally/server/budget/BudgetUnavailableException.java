package dev.tally.server.budget;

import dev.tally.server.web.ApiException;
import org.springframework.http.HttpStatus;

/**
 * A call refused because the budget reservation store cannot answer and the policy is fail closed:
 * 503.
 */
public final class BudgetUnavailableException extends ApiException {
  private static final long serialVersionUID = 1L;

  public BudgetUnavailableException(String detail) {
    super(HttpStatus.SERVICE_UNAVAILABLE, detail);
  }
}
