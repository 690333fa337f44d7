package dev.tally.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class BudgetWindowTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  @Test
  void dayWindowFollowsTheZoneAndIsTwentyThreeHoursOnTheSpringChange() {
    BudgetWindow.Interval day = BudgetWindow.day(BERLIN).at(Instant.parse("2026-03-29T12:00:00Z"));

    assertThat(day.start()).isEqualTo(Instant.parse("2026-03-28T23:00:00Z"));
    assertThat(day.end()).isEqualTo(Instant.parse("2026-03-29T22:00:00Z"));
    assertThat(day.length()).isEqualTo(Duration.ofHours(23));
  }

  @Test
  void dayWindowIsTwentyFiveHoursOnTheAutumnChange() {
    BudgetWindow.Interval day = BudgetWindow.day(BERLIN).at(Instant.parse("2026-10-25T12:00:00Z"));

    assertThat(day.start()).isEqualTo(Instant.parse("2026-10-24T22:00:00Z"));
    assertThat(day.end()).isEqualTo(Instant.parse("2026-10-25T23:00:00Z"));
    assertThat(day.length()).isEqualTo(Duration.ofHours(25));
  }

  @Test
  void boundaryInstantsBelongToTheNextWindow() {
    Instant localMidnight = Instant.parse("2026-11-26T23:00:00Z"); // 2026-11-27 00:00 in Berlin
    assertThat(BudgetWindow.day(BERLIN).at(localMidnight).start()).isEqualTo(localMidnight);
    assertThat(BudgetWindow.day(BERLIN).at(localMidnight.minusNanos(1)).end())
        .isEqualTo(localMidnight);
  }

  @Test
  void weekStartsOnMondayInTheZone() {
    BudgetWindow.Interval week =
        BudgetWindow.week(BERLIN).at(Instant.parse("2026-11-27T10:00:00Z"));

    assertThat(week.start()).isEqualTo(Instant.parse("2026-11-22T23:00:00Z")); // Mon 23 Nov 00:00
    assertThat(week.end()).isEqualTo(Instant.parse("2026-11-29T23:00:00Z"));
  }

  @Test
  void monthWindowSpansADaylightSavingChange() {
    BudgetWindow.Interval october =
        BudgetWindow.month(BERLIN).at(Instant.parse("2026-10-15T00:00:00Z"));

    assertThat(october.start()).isEqualTo(Instant.parse("2026-09-30T22:00:00Z"));
    assertThat(october.end()).isEqualTo(Instant.parse("2026-10-31T23:00:00Z"));
    assertThat(october.length()).isEqualTo(Duration.ofDays(31).plusHours(1));
  }

  @Test
  void rollingWindowEndsAtTheInstant() {
    Instant now = Instant.parse("2026-11-27T10:30:00Z");
    BudgetWindow.Interval last24 = BudgetWindow.rollingHours(24).at(now);

    assertThat(last24.start()).isEqualTo(now.minus(Duration.ofHours(24)));
    assertThat(last24.end()).isEqualTo(now);
    assertThatThrownBy(() -> BudgetWindow.rollingHours(0))
        .hasMessage("rolling window must be > 0, was PT0S");
  }
}
