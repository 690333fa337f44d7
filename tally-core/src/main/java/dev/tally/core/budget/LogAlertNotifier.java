package dev.tally.core.budget;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes every alert to the log at WARN, beside any webhook. */
public final class LogAlertNotifier implements AlertNotifier {
  private static final Logger log = LoggerFactory.getLogger("dev.tally.budget.alerts");

  @Override
  public void send(Alert alert, Budget budget) {
    log.warn(
        "Budget {} for {} reached {}%: spent {} of {} {} in [{}, {}) (alert {})",
        alert.budgetId(),
        alert.subject(),
        alert.threshold(),
        alert.spent().toPlainString(),
        alert.limit().toPlainString(),
        alert.currency() == null ? "tokens" : alert.currency(),
        alert.windowStart(),
        alert.windowEnd(),
        alert.id());
  }
}
