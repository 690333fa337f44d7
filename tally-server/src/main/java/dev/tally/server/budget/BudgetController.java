package dev.tally.server.budget;

import dev.tally.core.budget.AlertOutbox;
import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.server.auth.ApiKeys;
import dev.tally.server.auth.Caller;
import dev.tally.server.budget.BudgetViews.AlertView;
import dev.tally.server.budget.BudgetViews.BudgetRequest;
import dev.tally.server.budget.BudgetViews.BudgetView;
import dev.tally.server.budget.BudgetViews.StatusView;
import dev.tally.server.web.ApiException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Budgets (admin): define, read, delete, status; the alert history (admin); and a user's own budget
 * status. A budget's subject is a user id, {@code *} for everyone, or {@code key:<keyId>} for one
 * API key's gateway use (enforced by the gateway). Defining a budget evaluates it at once, so a
 * subject already over a new budget is alerted (and, with BLOCK, refused) without waiting for the
 * next request.
 */
@RestController
class BudgetController {
  private final ObjectProvider<BudgetRepository> budgetRepository;
  private final ObjectProvider<BudgetEvaluator> budgetEvaluator;
  private final ObjectProvider<AlertOutbox> alertOutbox;
  private final ApiKeys keys;

  BudgetController(
      ObjectProvider<BudgetRepository> budgets,
      ObjectProvider<BudgetEvaluator> evaluator,
      ObjectProvider<AlertOutbox> outbox,
      ApiKeys keys) {
    this.budgetRepository = budgets;
    this.budgetEvaluator = evaluator;
    this.alertOutbox = outbox;
    this.keys = keys;
  }

  @PutMapping("/api/budgets/{id}")
  BudgetView put(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @PathVariable String id,
      @RequestBody BudgetRequest request) {
    caller.requireAdmin();
    Budget budget = BudgetViews.toBudget(id, request);
    if (budget.subject().startsWith(BudgetViews.KEY_PREFIX)
        && keys.owner(budget.subject().substring(BudgetViews.KEY_PREFIX.length())).isEmpty()) {
      throw ApiException.badRequest(
          "subject '" + budget.subject() + "' names no API key: use key:<id of a current key>");
    }
    budgets().put(budget);
    evaluator().evaluate(Set.of(budget.subject()));
    return BudgetViews.view(budget);
  }

  @GetMapping("/api/budgets")
  List<BudgetView> list(@RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
    caller.requireAdmin();
    return budgets().all().stream().map(BudgetViews::view).toList();
  }

  @GetMapping("/api/budgets/{id}")
  BudgetView get(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    caller.requireAdmin();
    return BudgetViews.view(find(id));
  }

  @DeleteMapping("/api/budgets/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    caller.requireAdmin();
    if (!budgets().delete(id)) {
      throw ApiException.notFound("no budget '" + id + "'");
    }
  }

  @GetMapping("/api/budgets/{id}/status")
  StatusView status(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    caller.requireAdmin();
    return BudgetViews.status(evaluator().status(find(id)));
  }

  @GetMapping("/api/alerts")
  List<AlertView> alerts(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @RequestParam(defaultValue = "100") int limit) {
    caller.requireAdmin();
    if (limit < 1 || limit > 1000) {
      throw ApiException.badRequest("limit must be between 1 and 1000, was " + limit);
    }
    return outbox().recent(limit).stream().map(BudgetViews::alert).toList();
  }

  @GetMapping("/api/usage/me/budgets")
  List<StatusView> mine(@RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
    caller.requireUser();
    List<StatusView> statuses = new ArrayList<>();
    evaluator().statusesFor(caller.subject()).forEach(s -> statuses.add(BudgetViews.status(s)));
    // and the budgets of the caller's own keys (the budgets for everyone are listed once, above)
    Set<String> mine = new HashSet<>();
    keys.ids(caller.subject()).forEach(id -> mine.add(BudgetViews.KEY_PREFIX + id));
    for (Budget budget : budgets().all()) {
      if (mine.contains(budget.subject())) {
        statuses.add(BudgetViews.status(evaluator().status(budget)));
      }
    }
    return statuses;
  }

  private BudgetRepository budgets() {
    return required(budgetRepository);
  }

  private BudgetEvaluator evaluator() {
    return required(budgetEvaluator);
  }

  private AlertOutbox outbox() {
    return required(alertOutbox);
  }

  private static <T> T required(ObjectProvider<T> provider) {
    T bean = provider.getIfAvailable();
    if (bean == null) {
      throw ApiException.notFound("budgets are switched off (tally.budgets.enabled=false)");
    }
    return bean;
  }

  private Budget find(String id) {
    return budgets().find(id).orElseThrow(() -> ApiException.notFound("no budget '" + id + "'"));
  }
}
