package dev.tally.core.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A ledger fake that answers spend from recorded entries. */
final class BudgetTestSupport {
  private BudgetTestSupport() {}

  /** Records spend entries (subject, time, amount) and sums them like the ledger would. */
  static final class FakeLedger implements SpendSource {
    private record Entry(String subject, Instant at, BigDecimal amount) {}

    private final List<Entry> entries = new ArrayList<>();

    synchronized void spend(String subject, Instant at, String amount) {
      entries.add(new Entry(subject, at, new BigDecimal(amount)));
    }

    @Override
    public synchronized BigDecimal spent(Budget budget, BudgetWindow.Interval interval) {
      return entries.stream()
          .filter(e -> budget.covers(e.subject()) && interval.contains(e.at()))
          .map(Entry::amount)
          .reduce(BigDecimal.ZERO, BigDecimal::add);
    }
  }

  static Budget tokens(
      String id, String subject, String limit, BudgetWindow window, Budget.Action action) {
    return new Budget(
        id,
        subject,
        Budget.Measure.TOKENS,
        new BigDecimal(limit),
        null,
        window,
        List.of(),
        action,
        null);
  }
}
