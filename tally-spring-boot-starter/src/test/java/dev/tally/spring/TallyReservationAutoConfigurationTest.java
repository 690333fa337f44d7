package dev.tally.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.budget.Budget;
import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.BudgetWindow;
import dev.tally.core.budget.ReservationSweeper;
import dev.tally.spring.autoconfigure.TallyAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyBudgetAutoConfiguration;
import dev.tally.spring.autoconfigure.TallyReservationAutoConfiguration;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class TallyReservationAutoConfigurationTest {
  @TempDir Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                TallyAutoConfiguration.class,
                TallyBudgetAutoConfiguration.class,
                TallyReservationAutoConfiguration.class))
        .withPropertyValues(
            "tally.store.url=jdbc:sqlite:" + dir.resolve("tally.db"),
            "tally.pipeline.spool-directory=" + dir.resolve("spool"));
  }

  @Test
  void reservationsAreOffUnlessEnabled() {
    runner().run(context -> assertThat(context).doesNotHaveBean(BudgetReservations.class));
  }

  @Test
  void enabledReservationsHoldABudgetInTheLedgersDatabase() {
    runner()
        .withPropertyValues("tally.budgets.reservations.enabled=true")
        .run(
            context -> {
              assertThat(context).hasSingleBean(ReservationSweeper.class);
              context
                  .getBean(BudgetRepository.class)
                  .put(
                      new Budget(
                          "alice-day",
                          "alice",
                          Budget.Measure.TOKENS,
                          new BigDecimal("100"),
                          null,
                          BudgetWindow.day(ZoneOffset.UTC),
                          List.of(100),
                          Budget.Action.BLOCK,
                          null));
              BudgetReservations reservations = context.getBean(BudgetReservations.class);
              assertThat(reservations.reserve("r1", "alice", 80, 0).admitted()).isTrue();
              assertThat(reservations.reserve("r2", "alice", 80, 0).kind())
                  .isEqualTo(BudgetReservations.Decision.Kind.REFUSED);
            });
  }
}
