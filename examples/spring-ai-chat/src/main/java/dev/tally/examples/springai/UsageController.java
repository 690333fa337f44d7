package dev.tally.examples.springai;

import dev.tally.core.query.GroupField;
import dev.tally.core.query.UsageQueries;
import dev.tally.core.query.UsageQuery;
import dev.tally.core.query.UsageRow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reads the ledger Tally writes: today's chat usage per user and model (reporting, not tracking).
 */
@RestController
class UsageController {
  private final UsageQueries ledger;

  UsageController(UsageQueries ledger) {
    this.ledger = ledger;
  }

  @GetMapping("/usage")
  List<Map<String, Object>> usage() {
    Instant now = Instant.now();
    UsageQuery query =
        UsageQuery.builder(now.minus(Duration.ofDays(1)), now.plusSeconds(60))
            .groupBy(GroupField.SUBJECT, GroupField.MODEL)
            .filter(GroupField.OPERATION, "chat")
            .build();
    return ledger.report(query).rows().stream().map(UsageController::view).toList();
  }

  private static Map<String, Object> view(UsageRow row) {
    return Map.of(
        "user", String.valueOf(row.group().get(GroupField.SUBJECT)),
        "model", String.valueOf(row.group().get(GroupField.MODEL)),
        "calls", row.measures().requests(),
        "tokens", row.measures().tokens(),
        "cost", row.measures().cost());
  }
}
