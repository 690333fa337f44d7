package dev.tally.core.budget;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.ForwardingUsageSink;
import dev.tally.core.sink.UsageSink;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates budgets after each batch is stored, for the subjects in the batch: budgets are checked
 * on ingest, from the ledger. Evaluation failures are logged and never fail the export.
 */
public final class BudgetEvaluatingSink extends ForwardingUsageSink {
  private static final Logger log = LoggerFactory.getLogger(BudgetEvaluatingSink.class);

  private final BudgetEvaluator evaluator;

  public BudgetEvaluatingSink(UsageSink delegate, BudgetEvaluator evaluator) {
    super(delegate);
    this.evaluator = evaluator;
  }

  @Override
  public CompletableFuture<Void> export(List<UsageEvent> batch) {
    return delegate()
        .export(batch)
        .thenRun(
            () -> {
              Set<String> subjects = new HashSet<>();
              for (UsageEvent event : batch) {
                subjects.add(event.subject());
              }
              try {
                evaluator.evaluate(subjects);
              } catch (RuntimeException e) {
                log.warn("Tally: budget evaluation failed: {}", e.toString());
              }
            });
  }

  @Override
  public String name() {
    return "budgeted(" + delegate().name() + ")";
  }
}
