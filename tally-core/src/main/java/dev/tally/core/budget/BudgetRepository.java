package dev.tally.core.budget;

import java.util.List;
import java.util.Optional;

/** Where budget definitions live (in memory, or the JDBC store's budgets table). */
public interface BudgetRepository {
  List<Budget> all();

  Optional<Budget> find(String id);

  /** Creates or replaces the budget with this id. */
  void put(Budget budget);

  /** Removes it; false when there was none. */
  boolean delete(String id);

  /** A repository in memory. */
  static BudgetRepository inMemory() {
    return new InMemoryBudgetRepository();
  }
}
