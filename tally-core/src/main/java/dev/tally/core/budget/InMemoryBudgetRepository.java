package dev.tally.core.budget;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

final class InMemoryBudgetRepository implements BudgetRepository {
  private final Map<String, Budget> budgets = new ConcurrentSkipListMap<>();

  @Override
  public List<Budget> all() {
    return List.copyOf(budgets.values());
  }

  @Override
  public Optional<Budget> find(String id) {
    return Optional.ofNullable(budgets.get(id));
  }

  @Override
  public void put(Budget budget) {
    budgets.put(budget.id(), budget);
  }

  @Override
  public boolean delete(String id) {
    return budgets.remove(id) != null;
  }
}
