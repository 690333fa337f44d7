package dev.tally.server;

import java.io.PrintStream;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

/**
 * Prints Spring Boot's failure report ("APPLICATION FAILED TO START") as plain lines on stderr too:
 * the console log is JSON, where the report is one escaped string among the start's log lines, and
 * a person starting the server should read why it stopped (a weak admin key, a port in use) at a
 * glance. Registered in {@code META-INF/spring.factories}; Boot's own reporter still logs it.
 */
final class PlainFailureReporter implements FailureAnalysisReporter {
  private final PrintStream err;

  PlainFailureReporter() {
    this(System.err);
  }

  PlainFailureReporter(PrintStream err) {
    this.err = err;
  }

  @Override
  public void report(FailureAnalysis analysis) {
    err.println("Tally server failed to start: " + analysis.getDescription().strip());
    String action = analysis.getAction();
    if (action != null && !action.isBlank()) {
      err.println("Action: " + action.strip());
    }
    err.flush();
  }
}
