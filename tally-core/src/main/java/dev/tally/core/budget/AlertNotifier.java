package dev.tally.core.budget;

/** Delivers an alert somewhere. A throw means "not delivered, try again later". */
@FunctionalInterface
public interface AlertNotifier {
  void send(Alert alert, Budget budget) throws Exception;
}
